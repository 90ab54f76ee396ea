/**
 * @module The response cache the composition root builds once (hub/compose.ts) from the configuration's `cache`
 * (docs/configuration.md): in memory, or in Redis when `store` is `redis`.
 */
import type { Redis } from 'ioredis'
import type { CacheOptions } from '../config/config.js'
import type { Logger } from '../core/logger.js'
import type { EntryLifetimes, ResponseCacheStore } from './cache-store.js'
import { createMemoryCacheStore } from './memory-cache-store.js'
import { createRedisCacheStore, defaultRedisReadTimeoutMs } from './redis-cache-store.js'

/** The cache as the proxy is given it: a store, the largest answer it keeps, and how long entries are kept. */
export interface ResponseCache extends EntryLifetimes {
  store: ResponseCacheStore
  /** Answers with a larger body stream through and are not kept. */
  maxEntryBytes: number
}

/** Durations of the cache, each with a production default. */
export interface ResponseCacheTuning {
  /** A Redis read slower than this is a miss. @default 50 */
  readTimeoutMs: number
  /** How long an entry with a validator is kept past its freshness. @default 3_600_000 (1 h) */
  revalidationWindowMs: number
  /** The longest an entry is kept. @default 86_400_000 (24 h) */
  maxTtlMs: number
}

export const defaultResponseCacheTuning: ResponseCacheTuning = Object.freeze({
  readTimeoutMs: defaultRedisReadTimeoutMs,
  revalidationWindowMs: 3_600_000,
  maxTtlMs: 86_400_000,
})

export function createResponseCache(deps: {
  settings: CacheOptions
  redis: Redis | undefined
  logger: Logger
  tuning?: Partial<ResponseCacheTuning> | undefined
}): ResponseCache {
  const tuning = { ...defaultResponseCacheTuning, ...deps.tuning }
  const { settings } = deps
  const store =
    settings.store === 'redis' && deps.redis !== undefined
      ? createRedisCacheStore(deps.redis, deps.logger, {
          readTimeoutMs: tuning.readTimeoutMs,
          maxEntryBytes: settings.maxEntryBytes,
        })
      : createMemoryCacheStore({ maxBytes: settings.maxBytes, maxEntryBytes: settings.maxEntryBytes })
  return {
    store,
    maxEntryBytes: settings.maxEntryBytes,
    revalidationWindowMs: tuning.revalidationWindowMs,
    maxTtlMs: tuning.maxTtlMs,
  }
}
