/**
 * @module The events table as a feed: appending in commit order, listing by `seq` with a cursor, and making events
 * due again for the delivery worker (which claims rows whose `status` is `pending` or `retrying`, whose
 * `next_attempt_at` has passed and whose claim is free or expired).
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { newRowId } from '../core/ids.js'
import { decodeCursor, encodeCursor, type Page } from './cursor.js'
import type { EventDeliveryStatus, OutboxEventsTable, Schema } from './schema.js'

export type EventRow = Selectable<OutboxEventsTable>
type Db = Kysely<Schema> | Transaction<Schema>

/**
 * The advisory lock every insert into the events table takes, held until its transaction ends. `seq` comes from a
 * sequence, handed out at insert time, while rows become visible at commit: without the lock a row could commit
 * after a higher `seq` was already read, and a reader paging by `seq` would skip it for good. With it, rows become
 * visible in `seq` order. (An arbitrary constant: the key of this one lock in the database's advisory-lock space.)
 */
const feedOrderLock = 7_160_052_905_128_331

export interface NewEvent {
  type: string
  userId: string | null
  integration: string | null
  data: Record<string, unknown>
  /** Unique across the table: a second event with the same key is not stored. */
  dedupKey?: string | undefined
}

/**
 * Appends an event, in `seq` order (see {@link feedOrderLock}). With a `dedupKey` that is already stored, nothing is
 * written and `undefined` is answered; else the new event's id. One statement, so that on its own (outside a
 * transaction) the lock lasts exactly as long as the insert.
 */
export async function appendEvent(db: Db, event: NewEvent): Promise<string | undefined> {
  const id = newRowId()
  const { rows } = await sql<{ id: string }>`
    with feed_order as (select pg_advisory_xact_lock(${feedOrderLock}))
    insert into outbox_events (id, type, user_id, integration, data, dedup_key)
    select ${id}, ${event.type}, ${event.userId}, ${event.integration}, ${JSON.stringify(event.data)}::jsonb,
      ${event.dedupKey ?? null}
    from feed_order
    on conflict (dedup_key) do nothing
    returning id`.execute(db)
  return rows[0]?.id
}

/**
 * Appends several events in one statement, in `seq` order under one take of {@link feedOrderLock}, in the order
 * given: each answer is the new event's id, or `undefined` for an event whose `dedupKey` was already stored (by an
 * earlier statement, or earlier in this one). One statement, so that the rows commit together or not at all.
 */
export async function appendEvents(db: Db, events: readonly NewEvent[]): Promise<Array<string | undefined>> {
  if (events.length === 0) return []
  const ids = events.map(() => newRowId())
  const rows = events.map(
    (event, index) =>
      sql`(${index}::int, ${ids[index]}::uuid, ${event.type}::text, ${event.userId}::text, ${event.integration}::text,
        ${JSON.stringify(event.data)}::jsonb, ${event.dedupKey ?? null}::text)`,
  )
  const { rows: stored } = await sql<{ id: string }>`
    with feed_order as (select pg_advisory_xact_lock(${feedOrderLock}))
    insert into outbox_events (id, type, user_id, integration, data, dedup_key)
    select v.id, v.type, v.user_id, v.integration, v.data, v.dedup_key
    from feed_order, (values ${sql.join(rows)}) as v (position, id, type, user_id, integration, data, dedup_key)
    order by v.position
    on conflict (dedup_key) do nothing
    returning id`.execute(db)
  const storedIds = new Set(stored.map((row) => row.id))
  return ids.map((id) => (storedIds.has(id) ? id : undefined))
}

export interface EventFilter {
  type?: string | undefined
  integration?: string | undefined
  /** Events of this user: its own (`user_id`), or webhooks linked to it among others (`data.userIds`). */
  userId?: string | undefined
  status?: EventDeliveryStatus | undefined
  limit: number
  cursor?: string | undefined
}

/**
 * Events, oldest first by `seq`, filtered; the cursor is the last `seq` seen. As a feed, a page with events always
 * has a `nextCursor` (the position after its last event, to poll from), and only an empty page has none: an app
 * without a public URL keeps the last cursor it got and asks again later.
 */
export async function listEventRows(db: Kysely<Schema>, filter: EventFilter): Promise<Page<EventRow>> {
  let query = db.selectFrom('outbox_events').selectAll()
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  if (filter.integration !== undefined) query = query.where('integration', '=', filter.integration)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  const userId = filter.userId
  if (userId !== undefined) {
    query = query.where((where) =>
      where.or([
        where('user_id', '=', userId),
        where(sql`data -> 'userIds'`, '@>', sql`${JSON.stringify([userId])}::jsonb`),
      ]),
    )
  }
  if (filter.cursor !== undefined) query = query.where('seq', '>', decodeCursor(filter.cursor))
  const rows = await query.orderBy('seq').limit(filter.limit).execute()
  const last = rows[rows.length - 1]
  return { data: rows, nextCursor: last === undefined ? null : encodeCursor(String(last.seq)) }
}

export async function findEventRow(db: Kysely<Schema>, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Due now: `retrying`, or `pending` for an event never attempted. The attempt count is kept (the worker's schedule
 * goes on from it), and so is the id, which is the `webhook-id` the app deduplicates on. A live claim is left alone:
 * an attempt in flight is never doubled by another worker; the event is due again once that claim ends.
 */
const dueAgain = {
  status: sql<EventDeliveryStatus>`case when attempts = 0 then 'pending' else 'retrying' end`,
  next_attempt_at: sql<Date>`now()`,
}

/** Makes one event due again; `undefined` when there is no such event. */
export async function redeliverEventRow(db: Kysely<Schema>, id: string): Promise<EventRow | undefined> {
  return db.updateTable('outbox_events').set(dueAgain).where('id', '=', id).returningAll().executeTakeFirst()
}

export interface RedeliverySelection {
  status: 'dead' | 'retrying'
  type?: string | undefined
  integration?: string | undefined
  /** Events created at or after this instant. */
  since?: Date | undefined
}

/**
 * Makes every event of the selection due again, `batchSize` rows per statement (walking up `seq`, so that rows
 * already done are not taken twice and no statement holds many row locks for long). Answers how many.
 */
export async function redeliverEventRows(
  db: Kysely<Schema>,
  selection: RedeliverySelection,
  batchSize: number,
): Promise<number> {
  let after = '0'
  let count = 0
  for (;;) {
    let batch = db
      .selectFrom('outbox_events')
      .select(['id', 'seq'])
      .where('status', '=', selection.status)
      .where('seq', '>', after)
    if (selection.type !== undefined) batch = batch.where('type', '=', selection.type)
    if (selection.integration !== undefined) batch = batch.where('integration', '=', selection.integration)
    if (selection.since !== undefined) batch = batch.where('created_at', '>=', selection.since)
    const selected = await batch.orderBy('seq').limit(batchSize).execute()
    const last = selected[selected.length - 1]
    if (last === undefined) return count
    const updated = await db
      .updateTable('outbox_events')
      .set(dueAgain)
      .where(
        'id',
        'in',
        selected.map((row) => row.id),
      )
      // The state may have moved since the selection (a worker delivered it): only rows still in it change.
      .where('status', '=', selection.status)
      .executeTakeFirst()
    count += Number(updated.numUpdatedRows)
    if (selected.length < batchSize) return count
    after = last.seq
  }
}

/** Per integration, the provider webhooks stored since `since`. */
export async function webhooksReceivedSince(db: Kysely<Schema>, since: Date): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('outbox_events')
    .select(['integration', (eb) => eb.fn.countAll<string>().as('count')])
    .where('type', '=', 'webhook.received')
    .where('created_at', '>=', since)
    .groupBy('integration')
    .execute()
  return new Map(rows.map((row) => [row.integration ?? '', Number(row.count)]))
}
