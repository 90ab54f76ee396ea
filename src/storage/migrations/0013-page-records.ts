import { type Kysely, sql } from 'kysely'

/**
 * What a dashboard form's answer shows on the page it redirects to (Post/Redirect/Get, docs/security.md, "Dashboard"):
 * kept in the database, so that whichever instance serves that page can read it. The value is sealed (it may be a new
 * key's secret, or a tried request's answer); a `once` record is deleted as it is read. A record belongs to one
 * dashboard session and goes with it (sign-out, expiry).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('page_records')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('session_id_hash', 'text', (column) =>
      column.notNull().references('dashboard_sessions.id_hash').onDelete('cascade'),
    )
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('once', 'boolean', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('page_records_expires_at_idx').on('page_records').column('expires_at').execute()
  // A session's records: the cascade from its session, and the cap on how many one session keeps.
  await db.schema
    .createIndex('page_records_session_idx')
    .on('page_records')
    .columns(['session_id_hash', 'created_at'])
    .execute()
}
