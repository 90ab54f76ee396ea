/**
 * @module The events table, which is also the outbox of events for the app (`connection.created`, …,
 * `webhook.received`). An event is written in the same transaction as the change it reports, so a crash loses
 * neither; sending it is the delivery worker's job.
 */
import type { Kysely, Selectable, Transaction } from 'kysely'
import { appendEvent } from './events-store.js'
import type { OutboxEventsTable, Schema } from './schema.js'

export type OutboxEventRow = Selectable<OutboxEventsTable>

export async function recordEvent(
  trx: Kysely<Schema> | Transaction<Schema>,
  event: { type: string; userId: string | null; integration: string | null; data: Record<string, unknown> },
): Promise<string> {
  // Appended in `seq` order, as every event is (a reader paging by `seq` never skips a late commit).
  const id = await appendEvent(trx, event)
  if (id === undefined) throw new Error('an event without a dedup key was not stored')
  return id
}

export async function listEvents(
  db: Kysely<Schema>,
  options: { type?: string; userId?: string } = {},
): Promise<OutboxEventRow[]> {
  let query = db.selectFrom('outbox_events').selectAll()
  if (options.type !== undefined) query = query.where('type', '=', options.type)
  if (options.userId !== undefined) query = query.where('user_id', '=', options.userId)
  return query.orderBy('seq').execute()
}
