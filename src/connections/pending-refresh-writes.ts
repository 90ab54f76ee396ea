/**
 * @module Refreshed tokens that the database could not take yet. A provider that rotates refresh tokens retires the
 * old one as soon as it answers a refresh: dropping its answer because the database blinked would leave only a dead
 * refresh token, and the end user would have to connect again. So the answer is kept in memory, sealed as it would be
 * stored, the connection is used from it meanwhile, and the write is tried again until the database takes it (or the
 * row moved on without it: deleted, or rotated by another process after this one's lease ran out).
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../core/logger.js'
import type { ConnectionRow } from '../storage/connections-store.js'
import type { Schema } from '../storage/schema.js'
import { type RefreshedFields, storeRefreshed } from './refresh-lease.js'

export interface PendingRefreshWritesOptions {
  /** How long to wait between two tries of a write the database refused. @default 500 */
  retryMs: number
}

export const defaultPendingRefreshWritesOptions: PendingRefreshWritesOptions = Object.freeze({ retryMs: 500 })

export interface PendingRefreshWrites {
  /** The row as it will be once its refreshed tokens are written; undefined when nothing waits for this connection. */
  row(integration: string, userId: string): ConnectionRow | undefined
  /** Keeps refreshed tokens the database refused, and tries again until it takes them; answers the row to use. */
  keep(leased: ConnectionRow, fields: RefreshedFields): ConnectionRow
  /** Stops the timers and tries each kept write once more (at shutdown); what is still unwritten is logged. */
  close(): Promise<void>
}

interface Pending {
  leased: ConnectionRow
  fields: RefreshedFields
  row: ConnectionRow
  timer: NodeJS.Timeout | undefined
}

export function createPendingRefreshWrites(deps: {
  db: Kysely<Schema>
  logger?: Logger | undefined
  options: PendingRefreshWritesOptions
  /** Told when a kept write ended (written, or dropped because the row moved on). */
  onSettled: (integration: string, userId: string) => void
}): PendingRefreshWrites {
  const pending = new Map<string, Pending>()
  const keyOf = (integration: string, userId: string) => `${integration}\u0000${userId}`
  let closed = false

  function schedule(key: string, entry: Pending): void {
    if (closed) return
    entry.timer = setTimeout(() => void retry(key, entry), deps.options.retryMs)
    entry.timer.unref()
  }

  async function retry(key: string, entry: Pending): Promise<void> {
    let written: ConnectionRow | undefined
    try {
      written = await storeRefreshed(deps.db, entry.leased, entry.fields)
    } catch {
      schedule(key, entry)
      return
    }
    pending.delete(key)
    const where = { connectionId: entry.row.id, integration: entry.row.integration }
    if (written === undefined) {
      deps.logger?.warn(where, 'refreshed tokens were not written: the connection changed or was deleted meanwhile')
    } else {
      deps.logger?.info(where, 'refreshed tokens kept through a database outage are written')
    }
    deps.onSettled(entry.row.integration, entry.row.user_id)
  }

  return {
    row: (integration, userId) => pending.get(keyOf(integration, userId))?.row,
    keep(leased, fields) {
      const key = keyOf(leased.integration, leased.user_id)
      const now = new Date()
      const row: ConnectionRow = {
        ...leased,
        credentials: fields.credentials,
        credentials_version: leased.credentials_version + 1,
        expires_at: fields.expiresAt,
        scopes: fields.scopes === undefined ? leased.scopes : [...fields.scopes],
        metadata: fields.metadata,
        status: 'active',
        refresh_failures: 0,
        refresh_cooldown_until: null,
        refresh_lease_until: null,
        refresh_lease_owner: null,
        last_refreshed_at: now,
        updated_at: now,
      }
      const entry: Pending = { leased, fields, row, timer: undefined }
      clearTimeout(pending.get(key)?.timer)
      pending.set(key, entry)
      deps.logger?.error(
        { connectionId: leased.id, integration: leased.integration },
        'refreshed tokens could not be written: the database is not answering; they are kept in memory and retried',
      )
      schedule(key, entry)
      return row
    },
    async close() {
      closed = true
      const left = [...pending.entries()]
      for (const [, entry] of left) clearTimeout(entry.timer)
      await Promise.all(left.map(([key, entry]) => retry(key, entry)))
      for (const entry of pending.values()) {
        deps.logger?.error(
          { connectionId: entry.row.id, integration: entry.row.integration },
          'refreshed tokens not written at shutdown: the connection may have to be made again',
        )
      }
      pending.clear()
    },
  }
}
