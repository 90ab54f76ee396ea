/**
 * @module The credentials a call needs, kept in memory for a short while so that the proxy's hot path does not read
 * and open a sealed row on every call, and so that calls whose credentials this process holds keep going while the
 * database is away (for a bounded time). Only what a call sends is kept: never a refresh token or a token response.
 *
 * An entry is forgotten whenever this process changes the connection (import, connect, refresh by any path, delete,
 * erasure, a refresh that failed or ended in `needs_reauth`, a value that does not open), and only by
 * connection-state.ts, which every such change goes through. A read that started before such a change may not fill
 * the cache after it: every fill carries the epoch its read began in, and a forget moves the epoch on. A change made
 * by another process is seen within `ttlMs`.
 */
import type { CredentialsForUse } from './connections.js'

export interface CredentialCacheOptions {
  /**
   * How long credentials are used without reading the row again.
   * @default 30_000
   */
  ttlMs: number
  /**
   * How much longer they may serve while the database does not answer.
   * @default 300_000
   */
  outageGraceMs: number
  /** @default 10_000 */
  maxEntries: number
}

export const defaultCredentialCacheOptions: CredentialCacheOptions = Object.freeze({
  ttlMs: 30_000,
  outageGraceMs: 300_000,
  maxEntries: 10_000,
})

export interface CachedCredentials {
  use: CredentialsForUse
  expiresAt: Date | null
  lastRefreshedAt: Date | null
  /** Until when they are used without reading the row. */
  freshUntil: number
  /** Until when they may serve while the database is away. */
  servesUntil: number
}

export interface CredentialCache {
  /** The entry, fresh or not (a stale one may serve while the database is away), or undefined. */
  get(integration: string, userId: string): CachedCredentials | undefined
  /** Marks the start of a read that may fill the cache. */
  epoch(): number
  /** Fills the cache with what a read that began at `epoch` found, unless the connection changed meanwhile. */
  set(
    integration: string,
    userId: string,
    epoch: number,
    entry: Omit<CachedCredentials, 'freshUntil' | 'servesUntil'>,
  ): void
  forget(integration: string, userId: string): void
}

export function createCredentialCache(options: CredentialCacheOptions, now: () => number = Date.now): CredentialCache {
  const entries = new Map<string, CachedCredentials>()
  let currentEpoch = 0
  // Integration ids cannot hold a space; user ids cannot either: the key is unambiguous.
  const keyOf = (integration: string, userId: string) => `${integration} ${userId}`
  return {
    get(integration, userId) {
      const key = keyOf(integration, userId)
      const entry = entries.get(key)
      if (entry !== undefined && entry.servesUntil <= now()) {
        entries.delete(key)
        return undefined
      }
      return entry
    },
    epoch: () => currentEpoch,
    set(integration, userId, epoch, entry) {
      if (epoch !== currentEpoch) return
      const key = keyOf(integration, userId)
      entries.delete(key)
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string)
      const at = now()
      entries.set(key, {
        ...entry,
        use: withoutSpareSecrets(entry.use),
        freshUntil: at + options.ttlMs,
        servesUntil: at + options.ttlMs + options.outageGraceMs,
      })
    },
    forget(integration, userId) {
      currentEpoch++
      entries.delete(keyOf(integration, userId))
    },
  }
}

/** What a call sends, without the refresh token and the token endpoint's answer. */
function withoutSpareSecrets(use: CredentialsForUse): CredentialsForUse {
  const { credentials } = use
  return credentials.kind === 'oauth2'
    ? { ...use, credentials: { ...credentials, refreshToken: undefined, raw: undefined } }
    : use
}
