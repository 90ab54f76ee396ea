/**
 * @module The credentials a call needs, kept in memory for a short while so that the proxy's hot path does not read
 * and open a sealed row on every call, and so that calls whose credentials this process holds keep going while the
 * database is away. Entries are forgotten when this process imports, refreshes or deletes the connection; a change
 * made by another process is seen within `ttlMs`.
 */
import type { CredentialsForUse } from './connections.js'

export interface CredentialCacheOptions {
  /**
   * How long credentials are used without reading the row again.
   * @default 30_000
   */
  ttlMs: number
  /** @default 10_000 */
  maxEntries: number
}

export const defaultCredentialCacheOptions: CredentialCacheOptions = Object.freeze({
  ttlMs: 30_000,
  maxEntries: 10_000,
})

export interface CachedCredentials {
  use: CredentialsForUse
  expiresAt: Date | null
  lastRefreshedAt: Date | null
  /** Until when they are used without reading the row. */
  freshUntil: number
}

export interface CredentialCache {
  /** The entry, fresh or not (a stale one still serves while the database is away). */
  get(integration: string, userId: string): CachedCredentials | undefined
  set(integration: string, userId: string, entry: Omit<CachedCredentials, 'freshUntil'>): void
  forget(integration: string, userId: string): void
}

export function createCredentialCache(options: CredentialCacheOptions, now: () => number = Date.now): CredentialCache {
  const entries = new Map<string, CachedCredentials>()
  // Integration ids cannot hold a space; user ids cannot either: the key is unambiguous.
  const keyOf = (integration: string, userId: string) => `${integration} ${userId}`
  return {
    get: (integration, userId) => entries.get(keyOf(integration, userId)),
    set(integration, userId, entry) {
      const key = keyOf(integration, userId)
      entries.delete(key)
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, { ...entry, freshUntil: now() + options.ttlMs })
    },
    forget(integration, userId) {
      entries.delete(keyOf(integration, userId))
    },
  }
}
