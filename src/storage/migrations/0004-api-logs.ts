import { type Kysely, sql } from 'kysely'

/** The call log: one row per call made for the app (and per token read), kept 30 days. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_logs')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull().generatedAlwaysAsIdentity().unique())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('integration', 'text', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('endpoint', 'text', (column) => column.notNull())
    .addColumn('method', 'text', (column) => column.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_time_ms', 'integer', (column) => column.notNull())
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('rate_limit_wait_ms', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('bytes', 'integer')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('api_logs_created_at_idx').on('api_logs').column('created_at').execute()
  await db.schema
    .createIndex('api_logs_integration_created_at_idx')
    .on('api_logs')
    .columns(['integration', 'created_at'])
    .execute()
  await db.schema.createIndex('api_logs_user_id_idx').on('api_logs').column('user_id').execute()
}
