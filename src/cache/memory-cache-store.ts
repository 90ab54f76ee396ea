/**
 * @module The response cache in this process's memory: least recently used entries go first once the total passes
 * `maxBytes`; an entry larger than `maxEntryBytes` is never kept; an entry past its time is dropped when read.
 */

import { entryBytes, type ResponseCacheStore } from './cache-store.js'
import type { CachedResponse } from './cached-response.js'

export interface MemoryCacheStoreOptions {
  /** @default 67_108_864 (64 MiB) */
  maxBytes: number
  /** @default 1_048_576 (1 MiB) */
  maxEntryBytes: number
}

interface Kept {
  entry: CachedResponse
  bytes: number
  expiresAt: number
}

export interface MemoryCacheStore extends ResponseCacheStore {
  /** The bytes held now. */
  readonly bytes: number
  readonly size: number
}

export function createMemoryCacheStore(
  options: MemoryCacheStoreOptions,
  now: () => number = Date.now,
): MemoryCacheStore {
  // A Map keeps insertion order: a read moves its entry to the end, so the first entry is the least recently used.
  const kept = new Map<string, Kept>()
  let total = 0
  const drop = (key: string) => {
    const found = kept.get(key)
    if (found === undefined) return
    kept.delete(key)
    total -= found.bytes
  }
  return {
    get bytes() {
      return total
    },
    get size() {
      return kept.size
    },
    async get(key) {
      const found = kept.get(key)
      if (found === undefined) return undefined
      if (found.expiresAt <= now()) {
        drop(key)
        return undefined
      }
      kept.delete(key)
      kept.set(key, found)
      return found.entry
    },
    set(key, entry, ttlMs) {
      drop(key)
      const bytes = entryBytes(entry)
      if (entry.body.byteLength > options.maxEntryBytes || bytes > options.maxBytes || ttlMs <= 0) return
      for (const oldest of kept.keys()) {
        if (total + bytes <= options.maxBytes) break
        drop(oldest)
      }
      kept.set(key, { entry, bytes, expiresAt: now() + ttlMs })
      total += bytes
    },
    delete: drop,
  }
}
