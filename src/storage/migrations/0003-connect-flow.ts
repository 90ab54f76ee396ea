import { type Kysely, sql } from 'kysely'

/** Connect sessions, revocations still owed to providers, and the outbox of events for the app. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Insertion order for list cursors.
  await sql`alter table connections add column seq bigint generated always as identity`.execute(db)
  await db.schema.createIndex('connections_seq_idx').on('connections').column('seq').unique().execute()

  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    // SHA-256 of the link token (the link itself is the only copy of the token).
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('integration', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('return_url', 'text')
    // Set each time the link is opened: SHA-256 of the OAuth state, of the browser binding cookie, and the sealed
    // PKCE verifier. Opening the link again replaces them, so only the latest browser can finish.
    .addColumn('state_hash', 'text', (column) => column.unique())
    .addColumn('browser_hash', 'text')
    .addColumn('pkce_verifier', 'text')
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('connect_sessions_expires_at_idx').on('connect_sessions').column('expires_at').execute()

  await db.schema
    .createTable('pending_revocations')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('integration', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('provider_account_id', 'text')
    // Sealed; `token_kind` is the RFC 7009 hint.
    .addColumn('token', 'text', (column) => column.notNull())
    .addColumn('token_kind', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (column) => column.notNull())
    .addColumn('give_up_at', 'timestamptz', (column) => column.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('pending_revocations_due_idx')
    .on('pending_revocations')
    .column('next_attempt_at')
    .execute()

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull().generatedAlwaysAsIdentity().unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('data', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .execute()
  await db.schema
    .createIndex('outbox_events_due_idx')
    .on('outbox_events')
    .columns(['delivered_at', 'next_attempt_at'])
    .execute()
}
