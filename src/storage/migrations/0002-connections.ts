import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('integration', 'text', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('credentials', 'text')
    .addColumn('credentials_version', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('scopes', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('provider_account_id', 'text')
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('refresh_lease_until', 'timestamptz')
    .addColumn('refresh_lease_owner', 'text')
    .addColumn('refresh_failures', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('refresh_cooldown_until', 'timestamptz')
    .addColumn('last_refreshed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('connections_integration_user_id_key', ['integration', 'user_id'])
    .execute()
  await db.schema.createIndex('connections_user_id_idx').on('connections').column('user_id').execute()
  await db.schema.createIndex('connections_status_idx').on('connections').columns(['status', 'expires_at']).execute()
}
