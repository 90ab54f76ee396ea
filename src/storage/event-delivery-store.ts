/**
 * @module The delivery worker's queries on the events table: claiming due events for a short lease, recording how
 * attempts went (only while each claim is still the worker's), giving back claims not attempted, forgetting events
 * past their retention, and the age of the oldest event not delivered yet. Every time is the database's (`now()`), so that processes with clocks apart
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
 * Claims up to `limit` due events for `owner` (a token naming this one claim, so that only it can record or give back
 * what it took) until `now() + leaseMs`: events `pending` or `retrying`, due, and not claimed by a live lease. One
 * statement, hence one transaction that ends before any HTTP call. `FOR UPDATE SKIP LOCKED` lets several processes
 * claim at once without waiting on each other, each getting different rows; a row another claim changed meanwhile is
 * read again and skipped if no longer due (PostgreSQL re-checks the conditions of a locked row). PGlite runs the
 * same statement, with its one session.
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

/** One attempt's outcome, to record under the claim (`owner`) it was made with. */
export interface RecordedAttempt {
  id: string
  owner: string
  outcome: RecordedOutcome
}

/**
 * Records attempts, many in one statement: for each, one more attempt, when it was made, its error, the new status
 * (and when to try next), and the claim released. Only where its `owner` still holds the claim: if it ran out and
 * another worker took the event, that worker's attempt is the one recorded. Answers the ids of the rows updated.
 *
 * Releasing the claim also makes the write idempotent: a statement repeated after a lost answer (it committed, the
 * client never heard) matches no row the second time, so an attempt is never counted twice.
 */
export async function recordAttempts(db: Kysely<Schema>, attempts: readonly RecordedAttempt[]): Promise<Set<string>> {
  if (attempts.length === 0) return new Set()
  // Casts on every row: a parameter's type is otherwise unknown to PostgreSQL (`null` delays and errors above all).
  const rows = attempts.map(({ id, owner, outcome }) => {
    const error = outcome.status === 'delivered' ? null : outcome.error
    const delayMs = outcome.status === 'retrying' ? Math.round(outcome.delayMs) : null
    return sql`(${id}::uuid, ${owner}::text, ${outcome.status}::text, ${error}::text, ${delayMs}::bigint)`
  })
  const result = await sql<{ id: string }>`
    update outbox_events as e
    set attempts = e.attempts + 1,
      last_attempt_at = now(),
      status = o.status,
      last_error = o.error,
      delivered_at = case when o.status = 'delivered' then now() else e.delivered_at end,
      next_attempt_at = case when o.status = 'retrying'
        then now() + o.delay_ms * interval '1 millisecond' else e.next_attempt_at end,
      claimed_until = null,
      claimed_by = null
    from (values ${sql.join(rows)}) as o (id, owner, status, error, delay_ms)
    where e.id = o.id and e.claimed_by = o.owner
    returning e.id`.execute(db)
  return new Set(result.rows.map((row) => row.id))
}

/** Gives back claims that `owner` took and will not attempt (a stop, a claim left waiting too long): due at once. */
export async function releaseClaims(db: Kysely<Schema>, owner: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('outbox_events')
    .set({ claimed_until: null, claimed_by: null })
    .where('id', 'in', ids)
    .where('claimed_by', '=', owner)
    .execute()
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
