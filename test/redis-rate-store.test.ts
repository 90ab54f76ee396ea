/** The Redis GCRA script against the pure arithmetic of gcra.ts: same bookings, refusals and pauses. */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { gcraParams, reserve } from '../src/http/rate-limit/gcra.js'
import { createRedisRateStore } from '../src/http/rate-limit/redis-rate-store.js'

const redisUrl = inject('redisUrl')

describe.runIf(redisUrl !== null)('Redis rate store', () => {
  let redis: Redis
  beforeAll(() => {
    redis = new Redis(redisUrl!, { enableOfflineQueue: false })
    return new Promise((resolve) => redis.once('ready', resolve))
  })
  afterAll(() => redis.quit())

  it('books the slots of the GCRA arithmetic for a burst and a sustained rate', async () => {
    const params = gcraParams(20, 5)
    const key = `gcra-${Date.now()}`
    const shared = createRedisRateStore(redis)
    const calls: Array<{ sentAt: number; answeredAt: number; waitMs: number }> = []
    for (let index = 0; index < 12; index++) {
      const sentAt = performance.now()
      const { waitMs } = await shared.reserve(key, params, 10_000)
      calls.push({ sentAt, answeredAt: performance.now(), waitMs })
    }
    // Redis decided each call at some moment between sending and answer. The booked start (that moment + wait) is
    // checked against the pure arithmetic run at the earliest and the latest moments: load-proof, with no slack but
    // Redis's rounding to whole milliseconds.
    const earliest = slotsAt(calls.map((call) => call.sentAt))
    const latest = slotsAt(calls.map((call) => call.answeredAt))
    for (const [index, call] of calls.entries()) {
      expect(call.sentAt + call.waitMs).toBeLessThanOrEqual(latest[index]! + 1)
      expect(call.answeredAt + call.waitMs).toBeGreaterThanOrEqual(earliest[index]! - 1)
    }
    // The burst of 5 starts at once; the others are paced 50 ms apart.
    expect(calls.slice(0, 5).map((call) => call.waitMs)).toEqual([0, 0, 0, 0, 0])
    expect(calls[11]!.waitMs).toBeGreaterThan(0)

    function slotsAt(moments: number[]): number[] {
      let tat: number | undefined
      return moments.map((now) => {
        const booked = reserve(tat, now, params, 10_000)
        tat = booked.tat
        return now + booked.reservation.waitMs
      })
    }
  })

  it('refuses without booking a slot later than the caller can wait', async () => {
    const params = gcraParams(2, 1)
    const key = `refuse-${Date.now()}`
    const shared = createRedisRateStore(redis)
    expect(await shared.reserve(key, params, 0)).toEqual({ booked: true, waitMs: 0 })
    const refusedAt = performance.now()
    const refused = await shared.reserve(key, params, 100)
    const refusalAnsweredAt = performance.now()
    expect(refused.booked).toBe(false)
    expect(refused.waitMs).toBeGreaterThan(100)
    // Nothing was booked by the refusal: the next caller gets the very slot the refusal named (the same moment, give
    // or take the time each call took to be answered, and Redis's rounding).
    const nextAt = performance.now()
    const next = await shared.reserve(key, params, 1_000)
    const nextAnsweredAt = performance.now()
    expect(next.booked).toBe(true)
    expect(nextAnsweredAt + next.waitMs).toBeGreaterThanOrEqual(refusedAt + refused.waitMs - 1)
    expect(nextAt + next.waitMs).toBeLessThanOrEqual(refusalAnsweredAt + refused.waitMs + 1)
  })

  it('pauses every instance: no slot before the pause ends, and no burst right after', async () => {
    const params = gcraParams(10, 3)
    const key = `pause-${Date.now()}`
    const first = createRedisRateStore(redis)
    const second = createRedisRateStore(redis)
    const pausedAt = performance.now()
    await first.pause(key, params, 800)
    const booked: Array<{ sentAt: number; answeredAt: number; waitMs: number }> = []
    for (let index = 0; index < 2; index++) {
      const sentAt = performance.now()
      const { waitMs } = await second.reserve(key, params, 5_000)
      booked.push({ sentAt, answeredAt: performance.now(), waitMs })
    }
    // Compared as moments (each call's own time + its wait), so a slow machine cannot move them.
    const [head, next] = booked as [(typeof booked)[0], (typeof booked)[0]]
    expect(head.answeredAt + head.waitMs).toBeGreaterThanOrEqual(pausedAt + 800 - 1)
    expect(next.answeredAt + next.waitMs).toBeGreaterThanOrEqual(head.sentAt + head.waitMs + 100 - 1)
  })
})
