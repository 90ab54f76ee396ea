/**
 * @module The delivery worker's queries on the events table: claiming due events for a short lease, recording how an
 * attempt went (only while the claim is still this worker's), forgetting events past their retention, and the age of
 * the oldest event not delivered yet. Every time is the database's (`now()`), so that processes with clocks apart
 * agree on when a claim runs out.
 */
import { type Kysely, sql } from 'kysely'
import type { Schema } from './schema.js'

/** What an attempt needs of a claimed event. */
export interface ClaimedEvent {
  id: string
  type: string
  integration: string | null
  data: Record<string, unknown>
  createdAt: Date
  /** Attempts made before this one. */
  attempts: number
}

/**
 * Claims up to `limit` due events for `owner` until `now() + leaseMs`: events `pending` or `retrying`, due, and not
 * claimed by a live lease. One statement, hence one transaction that ends before any HTTP call. `FOR UPDATE SKIP
 * LOCKED` lets several processes claim at once without waiting on each other, each getting different rows; a row
 * another claim changed meanwhile is read again and skipped if no longer due (PostgreSQL re-checks the conditions
 * of a locked row). PGlite runs the same statement, with its one session.
 */
export async function claimDueEvents(
  db: Kysely<Schema>,
  claim: { owner: string; limit: number; leaseMs: number },
): Promise<ClaimedEvent[]> {
  const result = await sql<{
    id: string
    type: string
    integration: string | null
    data: Record<string, unknown>
    created_at: Date
    attempts: number
  }>`
    update outbox_events
    set claimed_until = now() + ${claim.leaseMs} * interval '1 millisecond', claimed_by = ${claim.owner}
    where id in (
      select id from outbox_events
      where status in ('pending', 'retrying')
        and next_attempt_at <= now()
        and (claimed_until is null or claimed_until < now())
      order by next_attempt_at
      limit ${claim.limit}
      for update skip locked
    )
    returning id, type, integration, data, created_at, attempts`.execute(db)
  return result.rows.map((row) => ({
    id: row.id,
    type: row.type,
    integration: row.integration,
    data: row.data,
    createdAt: new Date(row.created_at),
    attempts: row.attempts,
  }))
}

export type RecordedOutcome =
  | { status: 'delivered' }
  | { status: 'retrying'; delayMs: number; error: string }
  | { status: 'dead'; error: string }

/**
 * Records an attempt: one more attempt, when it was made, its error, the new status (and when to try next), and the
 * claim released. Only while `owner` still holds the claim: if it ran out and another worker took the event, that
 * worker's attempt is the one recorded. Answers whether the row was updated.
 */
export async function recordAttempt(
  db: Kysely<Schema>,
  attempt: { id: string; owner: string; outcome: RecordedOutcome },
): Promise<boolean> {
  const { outcome } = attempt
  const result = await db
    .updateTable('outbox_events')
    .set({
      attempts: sql<number>`attempts + 1`,
      last_attempt_at: sql<Date>`now()`,
      status: outcome.status,
      last_error: outcome.status === 'delivered' ? null : outcome.error,
      ...(outcome.status === 'delivered' ? { delivered_at: sql<Date>`now()` } : {}),
      ...(outcome.status === 'retrying'
        ? { next_attempt_at: sql<Date>`now() + ${outcome.delayMs} * interval '1 millisecond'` }
        : {}),
      claimed_until: null,
      claimed_by: null,
    })
    .where('id', '=', attempt.id)
    .where('claimed_by', '=', attempt.owner)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Deletes up to `batchSize` events created before `before`, whatever their state; answers how many went. */
export async function deleteEventsBefore(db: Kysely<Schema>, before: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom('outbox_events')
    .where('id', 'in', (query) =>
      query.selectFrom('outbox_events').select('id').where('created_at', '<', before).limit(batchSize),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** When the oldest event not yet delivered (pending or retrying) was created; undefined when there is none. */
export async function oldestUndeliveredAt(db: Kysely<Schema>): Promise<Date | undefined> {
  const row = await db
    .selectFrom('outbox_events')
    .select('created_at')
    .where('status', 'in', ['pending', 'retrying'])
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst()
  return row === undefined ? undefined : new Date(row.created_at)
}
