/**
 * @module What a form's answer has to show after its redirect (Post/Redirect/Get): a notice, a "Try a request" result,
 * a new key's secret. The POST keeps it here and redirects to a page that names it by a random id; the page reads it
 * back for the same session only. Nothing of it is in the URL but that id, so a reload, a bookmark or a shared link
 * repeats nothing and shows no secret.
 *
 * Kept in this process's memory, for minutes: on several instances behind a load balancer the page after the redirect
 * may be served by another instance, which then says the result is no longer available (the action itself was done
 * and is in the lists). A record read `once` (a key's secret) is forgotten as it is read.
 */
import { randomBytes } from 'node:crypto'

export interface PageRecords<T> {
  /** Keeps `value` for this session and returns the id the page reads it by. */
  keep(sessionId: string, value: T, options?: { once?: boolean }): string
  /** The value kept under `id` by this session, if it is still there; a `once` value is forgotten now. */
  read(sessionId: string, id: string | undefined): T | undefined
  /** Forgets every record of a session (at sign-out). */
  forget(sessionId: string): void
}

export interface PageRecordsOptions {
  /**
   * How long a record is kept.
   * @default 600_000 (10 minutes)
   */
  ttlMs?: number
  /**
   * Most records kept at once; past it the oldest go first (a "Try a request" result holds up to 64 KiB).
   * @default 500
   */
  maxRecords?: number
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number
}

interface Entry<T> {
  sessionId: string
  value: T
  once: boolean
  expiresAt: number
}

export function createPageRecords<T>(options: PageRecordsOptions = {}): PageRecords<T> {
  const ttlMs = options.ttlMs ?? 600_000
  const maxRecords = options.maxRecords ?? 500
  const now = options.now ?? Date.now
  // A Map iterates in insertion order, which is also expiry order: the oldest records are first.
  const entries = new Map<string, Entry<T>>()

  const dropExpired = () => {
    const time = now()
    for (const [id, entry] of entries) {
      if (entry.expiresAt > time) break
      entries.delete(id)
    }
  }

  return {
    keep(sessionId, value, keepOptions = {}) {
      dropExpired()
      while (entries.size >= maxRecords) {
        const oldest = entries.keys().next().value
        if (oldest === undefined) break
        entries.delete(oldest)
      }
      const id = randomBytes(16).toString('base64url')
      entries.set(id, { sessionId, value, once: keepOptions.once === true, expiresAt: now() + ttlMs })
      return id
    },
    read(sessionId, id) {
      dropExpired()
      if (id === undefined) return undefined
      const entry = entries.get(id)
      if (entry === undefined || entry.sessionId !== sessionId) return undefined
      if (entry.once) entries.delete(id)
      return entry.value
    },
    forget(sessionId) {
      for (const [id, entry] of entries) if (entry.sessionId === sessionId) entries.delete(id)
    },
  }
}
