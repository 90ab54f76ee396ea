/** The Redis GCRA script against the in-memory arithmetic of gcra.ts: same bookings, refusals and pauses. */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { gcraParams } from '../src/http/rate-limit/gcra.js'
import { createLocalRateStore } from '../src/http/rate-limit/rate-store.js'
import { createRedisRateStore } from '../src/http/rate-limit/redis-rate-store.js'

const redisUrl = inject('redisUrl')

describe.runIf(redisUrl !== null)('Redis rate store', () => {
  let redis: Redis
  beforeAll(() => {
    redis = new Redis(redisUrl!, { enableOfflineQueue: false })
    return new Promise((resolve) => redis.once('ready', resolve))
  })
  afterAll(() => redis.quit())

  it('books the same waits as the local store for a burst and a sustained rate', async () => {
    const params = gcraParams(20, 5)
    const key = `gcra-${Date.now()}`
    const shared = createRedisRateStore(redis)
    const local = createLocalRateStore()
    const sharedWaits: number[] = []
    const localWaits: number[] = []
    for (let index = 0; index < 12; index++) {
      sharedWaits.push((await shared.reserve(key, params, 10_000)).waitMs)
      localWaits.push((await local.reserve(key, params, 10_000)).waitMs)
    }
    // Redis rounds waits up to whole milliseconds, and some ms pass between the calls (more on a busy machine): well
    // under a slot (50 ms at 20/s).
    for (const [index, wait] of sharedWaits.entries()) {
      expect(Math.abs(wait - (localWaits[index] ?? 0))).toBeLessThanOrEqual(15)
    }
    expect(sharedWaits.slice(0, 5)).toEqual([0, 0, 0, 0, 0])
    expect(sharedWaits[11]).toBeGreaterThan(300)
  })

  it('refuses without booking a slot later than the caller can wait', async () => {
    const params = gcraParams(2, 1)
    const key = `refuse-${Date.now()}`
    const shared = createRedisRateStore(redis)
    expect(await shared.reserve(key, params, 0)).toEqual({ booked: true, waitMs: 0 })
    const refused = await shared.reserve(key, params, 100)
    expect(refused.booked).toBe(false)
    expect(refused.waitMs).toBeGreaterThan(400)
    // Nothing was booked by the refusal: the next caller gets the same slot.
    const next = await shared.reserve(key, params, 1_000)
    expect(next.booked).toBe(true)
    expect(Math.abs(next.waitMs - refused.waitMs)).toBeLessThanOrEqual(10)
  })

  it('pauses every instance: no slot before the pause ends, and no burst right after', async () => {
    const params = gcraParams(10, 3)
    const key = `pause-${Date.now()}`
    const first = createRedisRateStore(redis)
    const second = createRedisRateStore(redis)
    await first.pause(key, params, 800)
    const waits = [(await second.reserve(key, params, 5_000)).waitMs, (await second.reserve(key, params, 5_000)).waitMs]
    expect(waits[0]).toBeGreaterThanOrEqual(790)
    expect(waits[1]! - waits[0]!).toBeGreaterThanOrEqual(95)
  })
})
