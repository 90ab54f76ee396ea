import { type Kysely, sql } from 'kysely'

/**
 * API keys get a scope (docs/http-api.md, "API keys"): `admin` (everything), `read` (reads under `/v1`) or `metrics`
 * (only `/metrics`). Keys that exist already keep doing everything, so they become `admin`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scope', 'text', (column) =>
      column.notNull().defaultTo('admin').check(sql`scope in ('admin', 'read', 'metrics')`),
    )
    .execute()
}
