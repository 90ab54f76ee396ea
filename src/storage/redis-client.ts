/**
 * @module The hub's Redis client, when `JUNCTION_REDIS_URL` is set: rate limits shared by every instance. Commands
 * are never queued while Redis is away (the limiter then falls back to local limits at once, and says so).
 */
import type { Redis } from 'ioredis'
import type { Logger } from '../core/logger.js'

/** Connects to Redis; the client library is loaded only then, so a hub without Redis never holds it in memory. */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
  // Connection errors are reported by the limiter's fallback and by /health; one line per outage here.
  let reported = false
  redis.on('error', () => {
    if (!reported) logger.warn('Redis is not answering: rate limits fall back to this instance alone')
    reported = true
  })
  redis.on('ready', () => {
    reported = false
  })
  return redis
}

/** What `/health` says of Redis: `ok`, `degraded` while it does not answer, or nothing when none is configured. */
export function redisHealth(redis: Redis | undefined): 'ok' | 'degraded' | undefined {
  if (redis === undefined) return undefined
  return redis.status === 'ready' ? 'ok' : 'degraded'
}

/**
 * Says goodbye to Redis, or drops the connection when it does not answer within `timeoutMs`: a Redis that went
 * silent never answers QUIT, and the stop must not wait for it. `timeoutMs` defaults to 1 s.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  try {
    await Promise.race([redis.quit().catch(() => undefined), late])
  } finally {
    clearTimeout(timer)
    redis.disconnect()
  }
}
