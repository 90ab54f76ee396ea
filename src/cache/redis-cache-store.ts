/**
 * @module The response cache in Redis, shared by every hub on it. Each entry is one string under
 * `junction:cache:<sha256>`, with a TTL (its freshness plus the revalidation window, at most 24 h); the bound on bytes
 * is Redis's own `maxmemory` (docs/configuration.md, "cache"). Redis never fails a call: an error, or a read slower
 * than `readTimeoutMs`, is a miss, and a write that fails is lost. An outage is logged once when it starts and once
 * when it ends, never per call. Writes never pile up on a Redis that does not answer (the shared client has no command
 * timeout, and its offline queue is off only while disconnected): once a read or write has failed, no write is sent
 * until a read succeeds again, and at most {@link maxPendingRedisWrites} writes are in flight at any time (the rest
 * are dropped: an entry not kept, or not forgotten until its TTL).
 */
import type { Redis } from 'ioredis'
import type { Logger } from '../core/logger.js'
import type { ResponseCacheStore } from './cache-store.js'
import type { CachedResponse } from './cached-response.js'

export interface RedisCacheStoreOptions {
  /** A read that takes longer is a miss (the call goes to the provider). @default 50 */
  readTimeoutMs: number
  /** Entries larger than this are not written. @default 1_048_576 */
  maxEntryBytes: number
}

export const defaultRedisReadTimeoutMs = 50

/** Writes (SET, DEL) sent and not yet answered; more are dropped. With 1 MiB entries, at most 32 MiB held. */
export const maxPendingRedisWrites = 32

export interface RedisCacheStore extends ResponseCacheStore {
  /** Writes sent to Redis and not yet answered. */
  readonly pendingWrites: number
}

const prefix = 'junction:cache:'

export function createRedisCacheStore(redis: Redis, logger: Logger, options: RedisCacheStoreOptions): RedisCacheStore {
  let failing = false
  let pendingWrites = 0
  const failed = (error: unknown) => {
    if (failing) return
    failing = true
    logger.warn(
      { err: error },
      'the response cache cannot reach Redis: calls go to the provider uncached until it answers',
    )
  }
  const worked = () => {
    if (!failing) return
    failing = false
    logger.info('the response cache reaches Redis again')
  }
  const written = () => {
    pendingWrites -= 1
  }
  /** Sends a write unless Redis is failing or too many are in flight already. */
  const write = (send: () => Promise<unknown>) => {
    if (failing || pendingWrites >= maxPendingRedisWrites) return
    pendingWrites += 1
    send().then(worked, failed).finally(written)
  }
  return {
    get pendingWrites() {
      return pendingWrites
    },
    async get(key) {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), options.readTimeoutMs)
      })
      try {
        const read = redis.getBuffer(prefix + key)
        // A read that lost the race may still fail later: it is let go quietly.
        read.catch(() => undefined)
        const value = await Promise.race([read, late])
        if (value === 'late') {
          failed(new Error(`no answer within ${options.readTimeoutMs} ms`))
          return undefined
        }
        worked()
        return value === null ? undefined : decode(value)
      } catch (error) {
        failed(error)
        return undefined
      } finally {
        clearTimeout(timer)
      }
    },
    set(key, entry, ttlMs) {
      if (entry.body.byteLength > options.maxEntryBytes || ttlMs <= 0) return
      write(() => redis.set(prefix + key, encode(entry), 'PX', Math.ceil(ttlMs)))
    },
    delete(key) {
      write(() => redis.del(prefix + key))
    },
  }
}

/** The entry as one value: the length of its JSON description (4 bytes), the description, then the body's bytes. */
function encode(entry: CachedResponse): Buffer {
  const { body, ...described } = entry
  const json = Buffer.from(JSON.stringify(described))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.byteLength)
  return Buffer.concat([length, json, body])
}

/** An entry as {@link encode} wrote it; anything else (another version's value, say) is a miss. */
function decode(value: Buffer): CachedResponse | undefined {
  try {
    const length = value.readUInt32BE(0)
    const described = JSON.parse(value.subarray(4, 4 + length).toString('utf8')) as Omit<CachedResponse, 'body'>
    if (typeof described.status !== 'number' || typeof described.headers !== 'object') return undefined
    return { ...described, body: value.subarray(4 + length) }
  } catch {
    return undefined
  }
}
