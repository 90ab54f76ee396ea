import { type Kysely, sql } from 'kysely'

/** Dashboard sign-ins: a session per browser, stored by the hash of its id, ended with its API key. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('api_key_id', 'uuid', (column) => column.notNull().references('api_keys.id'))
    .addColumn('csrf_token', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('dashboard_sessions_expires_at_idx')
    .on('dashboard_sessions')
    .column('expires_at')
    .execute()
}
