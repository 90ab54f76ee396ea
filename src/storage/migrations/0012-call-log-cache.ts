import { type Kysely, sql } from 'kysely'

/**
 * How the response cache answered each call (docs/http-api.md, "Caching"): `hit`, `revalidated` or `miss`, null for
 * a call that did not use the cache (every call before this migration, and every call with the cache off).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_logs')
    .addColumn('cache', 'text', (column) => column.check(sql`cache in ('hit', 'revalidated', 'miss')`))
    .execute()
}
