/**
 * @module What a form's answer has to show after its redirect (Post/Redirect/Get): a notice, a "Try a request" result,
 * a new key's secret. The POST keeps it here and redirects to a page that names it by a random id; the page reads it
 * back for the same session only. Nothing of it is in the URL but that id, so a reload, a bookmark or a shared link
 * repeats nothing and shows no secret.
 *
 * Kept in the database (`page_records`), sealed by the vault like every other secret at rest, for minutes: behind a
 * load balancer without sticky sessions, whichever instance serves the page after the redirect reads it
 * (docs/production.md). A record read `once` (a key's secret) is deleted by the statement that reads it, so one page
 * shows it, on one instance. A record goes with its session (sign-out, expiry). While the database does not answer,
 * keeping and reading fail as every dashboard page then does: the "not available" page.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { dashboardSessionIdHash } from '../../api-keys/dashboard-sessions.js'
import {
  deleteExpiredPageRecords,
  deleteSessionPageRecords,
  insertPageRecord,
  takePageRecord,
  trimSessionPageRecords,
} from '../../storage/page-records-store.js'
import type { Schema } from '../../storage/schema.js'
import type { SealContext, Vault } from '../../vault/vault.js'

export interface PageRecords<T> {
  /** Keeps `value` for this session and returns the id the page reads it by. */
  keep(sessionId: string, value: T, options?: { once?: boolean }): Promise<string>
  /** The value kept under `id` by this session, if it is still there; a `once` value is forgotten now. */
  read(sessionId: string, id: string | undefined): Promise<T | undefined>
  /** Forgets every record of a session (at sign-out; deleting the session also does). */
  forget(sessionId: string): Promise<void>
}

export interface PageRecordsOptions {
  /**
   * How long a record is kept.
   * @default 600_000 (10 minutes)
   */
  ttlMs?: number
  /**
   * Most records one session keeps at once; past it its oldest go first. A "Try a request" result holds up to 64 KiB
   * of the answer (and the body sent), so this bounds what one signed-in browser can store.
   * @default 50
   */
  maxRecordsPerSession?: number
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number
}

/** Expired records removed by each `keep` (forms are rare, and each one clears a few, so the table never grows). */
const expiredPerKeep = 100
const idPattern = /^[A-Za-z0-9_-]{22}$/

export function createPageRecords<T>(
  deps: { db: Kysely<Schema>; vault: Vault },
  options: PageRecordsOptions = {},
): PageRecords<T> {
  const { db, vault } = deps
  const ttlMs = options.ttlMs ?? 600_000
  const maxRecordsPerSession = options.maxRecordsPerSession ?? 50
  const now = options.now ?? Date.now
  const sealedAt = (rowId: string): SealContext => ({ table: 'page_records', rowId, column: 'value' })

  return {
    async keep(sessionId, value, keepOptions = {}) {
      const time = now()
      await deleteExpiredPageRecords(db, new Date(time), expiredPerKeep)
      const rowId = randomUUID()
      const sessionIdHash = dashboardSessionIdHash(sessionId)
      const kept = await insertPageRecord(db, {
        id: rowId,
        sessionIdHash,
        sealedValue: vault.sealJson(value, sealedAt(rowId)),
        once: keepOptions.once === true,
        expiresAt: new Date(time + ttlMs),
      })
      if (kept) await trimSessionPageRecords(db, sessionIdHash, maxRecordsPerSession)
      return urlId(rowId)
    },
    async read(sessionId, id) {
      const rowId = id === undefined ? undefined : rowIdOf(id)
      if (rowId === undefined) return undefined
      const sealed = await takePageRecord(db, {
        id: rowId,
        sessionIdHash: dashboardSessionIdHash(sessionId),
        now: new Date(now()),
      })
      return sealed === undefined ? undefined : vault.openJson<T>(sealed, sealedAt(rowId))
    },
    async forget(sessionId) {
      await deleteSessionPageRecords(db, dashboardSessionIdHash(sessionId))
    },
  }
}

/** A record's id in a URL: its UUID's 16 bytes, base64url (22 characters). */
function urlId(rowId: string): string {
  return Buffer.from(rowId.replaceAll('-', ''), 'hex').toString('base64url')
}

/** The UUID a URL's id names, or undefined for anything that is not one of ours (never sent to the database). */
function rowIdOf(id: string): string | undefined {
  if (!idPattern.test(id)) return undefined
  const bytes = Buffer.from(id, 'base64url')
  // 22 characters carry 132 bits: only the one spelling that `urlId` writes is accepted.
  if (bytes.length !== 16 || bytes.toString('base64url') !== id) return undefined
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
