/**
 * @module What the proxy asks of a response cache's store, in memory (memory-cache-store.ts) or in Redis
 * (redis-cache-store.ts). A store never fails a call: what it cannot read is a miss, what it cannot write is lost.
 */
import { type CachedResponse, hasValidator } from './cached-response.js'

export interface ResponseCacheStore {
  /** The entry under `key` (a hashed key, cache-key.ts), or undefined: absent, expired, or the store did not answer. */
  get(key: string): Promise<CachedResponse | undefined>
  /** Keeps `entry` for at most `ttlMs`; never waits, never throws. */
  set(key: string, entry: CachedResponse, ttlMs: number): void
  /** Forgets the entry; never waits, never throws. */
  delete(key: string): void
}

/** How long entries are kept past their freshness, and at most. */
export interface EntryLifetimes {
  /** How long an entry with a validator is kept past its freshness, to be revalidated. @default 3_600_000 (1 h) */
  revalidationWindowMs: number
  /** The longest an entry is kept, whatever its freshness. @default 86_400_000 (24 h) */
  maxTtlMs: number
}

/** How long a store keeps an entry: its freshness, plus the revalidation window when it has a validator. */
export function entryTtlMs(entry: CachedResponse, lifetimes: EntryLifetimes): number {
  const freshLeft = Math.max(0, entry.freshnessMs - entry.initialAgeSeconds * 1000)
  const window = hasValidator(entry.headers) ? lifetimes.revalidationWindowMs : 0
  return Math.min(freshLeft + window, lifetimes.maxTtlMs)
}

/** The bytes an entry takes, as the memory store counts them: its body, its headers, and a little for the rest. */
export function entryBytes(entry: CachedResponse): number {
  let bytes = entry.body.byteLength + 128
  for (const name in entry.headers) bytes += name.length + (entry.headers[name]?.length ?? 0)
  return bytes
}
