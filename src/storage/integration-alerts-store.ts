/**
 * @module `integration_alerts`: each integration's alert state, changed only together with the event that announces
 * the change. The change is conditional on the state it was decided from, so that of two hubs deciding the same change
 * one records it and the other finds it done.
 */
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { appendEvent, type NewEvent } from './events-store.js'
import { withTransaction } from './reentry-guard.js'
import type { IntegrationAlertStatus, Schema } from './schema.js'

export interface AlertState {
  status: IntegrationAlertStatus
  /** How many times the state changed; 0 for an integration never degraded (it has no row). */
  changes: number
  /** When it last changed; null for an integration never degraded. */
  changedAt: Date | null
}

export const initialAlertState: AlertState = Object.freeze({ status: 'healthy', changes: 0, changedAt: null })

export async function alertStates(db: Kysely<Schema>): Promise<Map<string, AlertState>> {
  const rows = await db.selectFrom('integration_alerts').selectAll().execute()
  return new Map(
    rows.map((row) => [row.integration, { status: row.status, changes: row.changes, changedAt: row.changed_at }]),
  )
}

/**
 * Moves an integration from the state `from` (as read) to `to` and records `event` with it, in one transaction.
 * Answers the event's id, or undefined when the state had already moved on (another hub recorded this change).
 */
export async function recordAlertChange(
  db: Kysely<Schema>,
  change: { integration: string; from: AlertState; to: IntegrationAlertStatus; event: Omit<NewEvent, 'dedupKey'> },
): Promise<string | undefined> {
  return withTransaction(db, async (trx) => {
    const { rows } =
      change.from.changes === 0
        ? await sql<{ changes: number }>`
            insert into integration_alerts (integration, status, changes) values (${change.integration}, ${change.to}, 1)
            on conflict (integration) do nothing
            returning changes`.execute(trx)
        : await sql<{ changes: number }>`
            update integration_alerts set status = ${change.to}, changes = changes + 1, changed_at = now()
            where integration = ${change.integration} and changes = ${change.from.changes}
            returning changes`.execute(trx)
    const changes = rows[0]?.changes
    if (changes === undefined) return undefined
    // The key makes the event unique even to a writer that skipped the condition above: `.` is never in an id.
    return appendEvent(trx, { ...change.event, dedupKey: `${change.event.type}:${change.integration}:${changes}` })
  })
}
