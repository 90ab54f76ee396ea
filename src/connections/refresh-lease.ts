/**
 * @module The database side of the refresh protocol: a lease taken with a conditional UPDATE (no transaction is held
 * over the HTTP call, which PGlite's single session could not afford), and the writes that end it. Lease expiry is
 * judged by the database's clock, so processes with skewed clocks agree.
 */
import { type Kysely, sql } from 'kysely'
import type { ConnectionRow } from '../storage/connections-store.js'
import { recordEvent } from '../storage/outbox-store.js'
import { withTransaction } from '../storage/reentry-guard.js'
import type { Schema } from '../storage/schema.js'
import { toConnection } from './connection-view.js'

/** Takes the refresh lease if it is free and the row is still at `version`; returns the row, or undefined. */
export async function takeRefreshLease(
  db: Kysely<Schema>,
  row: ConnectionRow,
  owner: string,
  leaseMs: number,
): Promise<ConnectionRow | undefined> {
  return (
    db
      .updateTable('connections')
      .set({
        refresh_lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
        refresh_lease_owner: owner,
      })
      .where('id', '=', row.id)
      .where('credentials_version', '=', row.credentials_version)
      .where('status', '<>', 'needs_reauth')
      .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', sql<Date>`now()`)]))
      // A cool-down set by another process between our read and this update also stops us.
      .where((eb) =>
        eb.or([eb('refresh_cooldown_until', 'is', null), eb('refresh_cooldown_until', '<=', sql<Date>`now()`)]),
      )
      .returningAll()
      .executeTakeFirst()
  )
}

/** Gives the lease back without changing anything else (the holder failed before it could decide). */
export async function releaseLease(db: Kysely<Schema>, leased: ConnectionRow, owner: string): Promise<void> {
  await db
    .updateTable('connections')
    .set({ refresh_lease_until: null, refresh_lease_owner: null })
    .where('id', '=', leased.id)
    .where('refresh_lease_owner', '=', owner)
    .execute()
}

export interface RefreshedFields {
  credentials: string
  expiresAt: Date | null
  scopes: readonly string[] | undefined
  metadata: Record<string, unknown>
}

/**
 * Stores refreshed credentials with compare-and-swap on the version, clears failures and the lease,
 * and reports `connection.recovered` when the connection was failing. Undefined when the row moved on meanwhile.
 */
export async function storeRefreshed(
  db: Kysely<Schema>,
  leased: ConnectionRow,
  fields: RefreshedFields,
): Promise<ConnectionRow | undefined> {
  return withTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('connections')
      .set((eb) => ({
        credentials: fields.credentials,
        credentials_version: eb('credentials_version', '+', 1),
        expires_at: fields.expiresAt,
        ...(fields.scopes === undefined ? {} : { scopes: JSON.stringify(fields.scopes) }),
        metadata: JSON.stringify(fields.metadata),
        status: 'active',
        refresh_failures: 0,
        refresh_cooldown_until: null,
        refresh_lease_until: null,
        refresh_lease_owner: null,
        last_refreshed_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      }))
      .where('id', '=', leased.id)
      // Compare-and-swap on the version alone: if our lease expired and another process took it, the first write of
      // a rotated token wins, and the other's compare-and-swap fails and re-reads.
      .where('credentials_version', '=', leased.credentials_version)
      .returningAll()
      .executeTakeFirst()
    if (row !== undefined && leased.status === 'refresh_failing') {
      await recordEvent(trx, {
        type: 'connection.recovered',
        userId: row.user_id,
        integration: row.integration,
        data: { ...toConnection(row) },
      })
    }
    return row
  })
}

/** The provider refused the refresh token for good: the end user must connect again. */
export async function markNeedsReauth(
  db: Kysely<Schema>,
  leased: ConnectionRow,
  owner: string,
): Promise<ConnectionRow | undefined> {
  return endLease(db, leased, owner, { status: 'needs_reauth' }, 'connection.needs_reauth')
}

/** A transient failure: the connection is `refresh_failing` and is not refreshed again before the cool-down ends. */
export async function markRefreshFailing(
  db: Kysely<Schema>,
  leased: ConnectionRow,
  owner: string,
  cooldownMs: number,
): Promise<ConnectionRow | undefined> {
  return endLease(
    db,
    leased,
    owner,
    {
      status: 'refresh_failing',
      refresh_failures: leased.refresh_failures + 1,
      refresh_cooldown_until: sql<Date>`now() + ${cooldownMs} * interval '1 millisecond'`,
    },
    'connection.refresh_failed',
  )
}

async function endLease(
  db: Kysely<Schema>,
  leased: ConnectionRow,
  owner: string,
  changes: { status: string; refresh_failures?: number; refresh_cooldown_until?: ReturnType<typeof sql<Date>> },
  eventType: string,
): Promise<ConnectionRow | undefined> {
  return withTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('connections')
      .set({ ...changes, refresh_lease_until: null, refresh_lease_owner: null, updated_at: sql<Date>`now()` })
      .where('id', '=', leased.id)
      .where('credentials_version', '=', leased.credentials_version)
      .where('refresh_lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst()
    // Events on transitions only.
    if (row !== undefined && leased.status !== changes.status) {
      await recordEvent(trx, {
        type: eventType,
        userId: row.user_id,
        integration: row.integration,
        data: { ...toConnection(row) },
      })
    }
    return row
  })
}

/**
 * The sealed credentials do not open (a value copied from another row, or a key that is gone): the connection can
 * only be made again. Never another row's token.
 */
export async function markUnreadable(db: Kysely<Schema>, row: ConnectionRow): Promise<void> {
  await withTransaction(db, async (trx) => {
    const updated = await trx
      .updateTable('connections')
      .set({ status: 'needs_reauth', updated_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .where('status', '<>', 'needs_reauth')
      .returningAll()
      .executeTakeFirst()
    if (updated !== undefined) {
      await recordEvent(trx, {
        type: 'connection.needs_reauth',
        userId: updated.user_id,
        integration: updated.integration,
        data: { ...toConnection(updated) },
      })
    }
  })
}
