import { type Kysely, sql } from 'kysely'

/**
 * The outbox becomes the one events table, with each event's delivery state: `connection.*` events, and provider
 * webhooks stored once (`dedup_key` is unique, so two processes receiving the same delivery store it once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outbox_events')
    // pending (not tried yet, or no events.url), retrying, delivered, dead (every attempt of the schedule failed).
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('pending'))
    // The integration the event concerns (a connection's, or the one a webhook came to), for filters.
    .addColumn('integration', 'text')
    // `<integration>:<provider event id>`, or `<integration>:sha256:<body hash>`; null for events Junction makes.
    .addColumn('dedup_key', 'text', (column) => column.unique())
    .addColumn('last_attempt_at', 'timestamptz')
    // A delivery worker's claim: nobody else attempts the event before it runs out (an expired claim is due again).
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .execute()
  // Events written before this migration were never sent; those already marked delivered keep that state.
  await sql`update outbox_events set status = 'delivered' where delivered_at is not null`.execute(db)
  await db.schema.dropIndex('outbox_events_due_idx').execute()
  await db.schema
    .createIndex('outbox_events_due_idx')
    .on('outbox_events')
    .columns(['status', 'next_attempt_at'])
    .execute()
  await db.schema.createIndex('outbox_events_type_idx').on('outbox_events').columns(['type', 'seq']).execute()
  await db.schema
    .createIndex('outbox_events_integration_idx')
    .on('outbox_events')
    .columns(['integration', 'seq'])
    .execute()
  await db.schema.createIndex('outbox_events_created_at_idx').on('outbox_events').column('created_at').execute()
}
