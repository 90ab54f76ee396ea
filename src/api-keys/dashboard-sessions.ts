/**
 * @module Dashboard sign-in (docs/security.md, "Dashboard"): an API key buys a server-side session, a random id that lives only in
 * the browser's cookie (the database keeps its SHA-256), with its own CSRF token. A session ends when it expires, on
 * sign-out, or when its key is revoked, on every instance at once since each request reads it from the database.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import {
  deleteDashboardSession,
  deleteExpiredDashboardSessions,
  findLiveDashboardSession,
  insertDashboardSession,
} from '../storage/dashboard-sessions-store.js'
import type { Schema } from '../storage/schema.js'
import type { ApiKeyInfo, ApiKeys } from './api-keys.js'

export interface DashboardSession {
  apiKeyId: string
  csrfToken: string
  expiresAt: Date
}

export interface DashboardSessions {
  /**
   * A new session for a valid `admin` key (its id goes in the cookie), or undefined: one answer for every bad key, and
   * for a key of another scope.
   */
  signIn(presentedKey: string): Promise<{ id: string; session: DashboardSession; key: ApiKeyInfo } | undefined>
  /** The live session with that id, or undefined (malformed, unknown, expired, or its key revoked). */
  find(id: string): Promise<DashboardSession | undefined>
  signOut(id: string): Promise<void>
}

export interface DashboardSessionsOptions {
  /** @default 12 hours */
  ttlMs?: number
}

const idPattern = /^[A-Za-z0-9_-]{43}$/
const expiredPerSignIn = 100

export function createDashboardSessions(
  db: Kysely<Schema>,
  apiKeys: ApiKeys,
  options: DashboardSessionsOptions = {},
): DashboardSessions {
  const ttlMs = options.ttlMs ?? 12 * 3_600_000
  return {
    async signIn(presentedKey) {
      const key = await apiKeys.verify(presentedKey.trim())
      // Only an admin key signs in: the dashboard manages keys and connections, which a read or metrics key may not.
      if (key === undefined || key.scope !== 'admin') return undefined
      const now = new Date()
      // Sign-ins are rare: each one also clears a few expired sessions, so the table never grows.
      await deleteExpiredDashboardSessions(db, now, expiredPerSignIn)
      const id = randomBytes(32).toString('base64url')
      const session = {
        apiKeyId: key.id,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: new Date(now.getTime() + ttlMs),
      }
      await insertDashboardSession(db, { idHash: dashboardSessionIdHash(id), ...session })
      return { id, session, key }
    },
    async find(id) {
      if (!idPattern.test(id)) return undefined
      return findLiveDashboardSession(db, dashboardSessionIdHash(id), new Date())
    },
    async signOut(id) {
      if (idPattern.test(id)) await deleteDashboardSession(db, dashboardSessionIdHash(id))
    },
  }
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfTokenMatches(session: DashboardSession, presented: string | undefined): boolean {
  if (presented === undefined) return false
  const expected = Buffer.from(session.csrfToken)
  const given = Buffer.from(presented)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** What the database keeps of a session id (its SHA-256, hex); also what the session's page records name it by. */
export function dashboardSessionIdHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex')
}
