import { type Kysely, sql } from 'kysely'

/**
 * `GET /v1/usage` (docs/http-api.md, "Usage") and integration alerts (docs/configuration.md, "alerts").
 *
 * The usage index holds, beside `created_at`, every column the usage report reads, so that the report over a period is
 * an index-only scan of that period's entries: PostgreSQL never visits the table's pages (which also hold the paths,
 * errors and details), and a month of ten million rows is read from a third of the bytes. An index, not a rollup
 * table: the p95 latency of any grouping and period needs the rows themselves, and an index stays exact with no
 * second write on the proxy's path.
 *
 * `integration_alerts` keeps each integration's alert state, so that a restarted hub does not announce again what was
 * announced, and two hubs on one database announce a change once: the change is a conditional update of this row
 * (from the state read), made in the transaction that records the event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index api_logs_usage_idx on api_logs (created_at)
    include (integration, user_id, status_code, response_time_ms, bytes)`.execute(db)
  await db.schema
    .createTable('integration_alerts')
    .addColumn('integration', 'text', (column) => column.primaryKey())
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('healthy', 'degraded')`))
    .addColumn('changes', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('changed_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
}
