import { type Kysely, sql } from 'kysely'

/**
 * An index of the events not delivered yet, by age: the metrics read the oldest one often, and most rows of the
 * table are delivered events kept for their retention, which a plain `created_at` index would walk past.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index outbox_events_undelivered_idx on outbox_events (created_at) where status in ('pending', 'retrying')`.execute(
    db,
  )
}
