/**
 * @module GCRA state in Redis, so that every instance draws on one budget per key. Each operation is one Lua script,
 * atomic in Redis and timed by Redis's own clock (`TIME`), so instances with skewed clocks still agree.
 * rate-limiter-flexible's Redis store is not used: it counts fixed one-second windows, which lets twice the rate
 * through across a window edge.
 */
import type { Redis } from 'ioredis'
import type { GcraParams, Reservation } from './gcra.js'
import type { RateStore } from './rate-store.js'

/** Same arithmetic as gcra.ts `reserve`. Returns the wait in ms, or −(wait + 1) when it exceeds the maximum. */
const reserveScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[2]) - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return -math.ceil(wait) - 1 end
local booked = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', booked), 'PX', math.ceil(booked - now) + 60000)
return math.ceil(wait)
`

/** Same arithmetic as gcra.ts `pause`. */
const pauseScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local target = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
if target > tat then
  redis.call('SET', KEYS[1], string.format('%.3f', target), 'PX', math.ceil(target - now) + 60000)
end
return 0
`

export interface RedisRateStoreOptions {
  /** @default 'junction:rate:' */
  prefix?: string
}

export function createRedisRateStore(redis: Redis, options: RedisRateStoreOptions = {}): RateStore {
  const prefix = options.prefix ?? 'junction:rate:'
  return {
    async reserve(key: string, params: GcraParams, maxWaitMs: number): Promise<Reservation> {
      const cappedWait = Number.isFinite(maxWaitMs) ? Math.max(0, Math.floor(maxWaitMs)) : 2 ** 31
      const result = Number(
        await redis.eval(reserveScript, 1, prefix + key, params.intervalMs, params.toleranceMs, cappedWait),
      )
      return result < 0 ? { booked: false, waitMs: -result - 1 } : { booked: true, waitMs: result }
    },
    async pause(key: string, params: GcraParams, pauseMs: number): Promise<void> {
      await redis.eval(pauseScript, 1, prefix + key, Math.ceil(pauseMs), params.toleranceMs)
    },
  }
}
