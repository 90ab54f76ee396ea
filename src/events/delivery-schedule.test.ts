import { describe, expect, it } from 'vitest'
import { type DeliverySchedule, decideDelivery, standardWebhooksSchedule } from './delivery-schedule.js'

const failed = { ok: false, reason: 'status 503' } as const
const minute = 60_000
const hour = 60 * minute

describe('the delivery schedule', () => {
  it('is Standard Webhooks: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h', () => {
    expect(standardWebhooksSchedule.delaysMs).toEqual([
      5_000,
      5 * minute,
      30 * minute,
      2 * hour,
      5 * hour,
      10 * hour,
      14 * hour,
      20 * hour,
      24 * hour,
    ])
  })

  // With the random number at 0.5 the jitter is nil: each wait exactly as scheduled.
  it.each([
    [1, 5_000],
    [2, 5 * minute],
    [3, 30 * minute],
    [4, 2 * hour],
    [5, 5 * hour],
    [6, 10 * hour],
    [7, 14 * hour],
    [8, 20 * hour],
    [9, 24 * hour],
  ])('after failed attempt %i waits %i ms', (attempts, delayMs) => {
    expect(decideDelivery({ attempts, outcome: failed, schedule: standardWebhooksSchedule, random: 0.5 })).toEqual({
      status: 'retrying',
      delayMs,
      reason: 'status 503',
    })
  })

  it('gives the event up after the tenth attempt fails', () => {
    expect(decideDelivery({ attempts: 10, outcome: failed, schedule: standardWebhooksSchedule, random: 0.5 })).toEqual({
      status: 'dead',
      reason: 'status 503',
    })
  })

  it.each([1, 5, 9, 10])('delivers on a success whatever attempt it was (%i)', (attempts) => {
    expect(
      decideDelivery({ attempts, outcome: { ok: true }, schedule: standardWebhooksSchedule, random: 0.9 }),
    ).toEqual({ status: 'delivered' })
  })

  it.each([
    [0, 4_000, 'up to 20% earlier'],
    [0.999999, 6_000, 'up to 20% later'],
    [0.25, 4_500, 'in between'],
  ])('moves a wait by the jitter: random %d → %i ms (%s)', (random, delayMs) => {
    const decision = decideDelivery({ attempts: 1, outcome: failed, schedule: standardWebhooksSchedule, random })
    expect(decision).toEqual({ status: 'retrying', delayMs, reason: 'status 503' })
  })

  it('keeps every jittered wait within 20% of the step', () => {
    for (let step = 1; step <= 9; step++) {
      const scheduled = standardWebhooksSchedule.delaysMs[step - 1] ?? 0
      for (const random of [0, 0.1, 0.37, 0.5, 0.81, 0.999999]) {
        const decision = decideDelivery({ attempts: step, outcome: failed, schedule: standardWebhooksSchedule, random })
        if (decision.status !== 'retrying') throw new Error('expected a retry')
        expect(decision.delayMs).toBeGreaterThanOrEqual(scheduled * 0.8)
        expect(decision.delayMs).toBeLessThanOrEqual(scheduled * 1.2)
      }
    }
  })

  it.each([
    ['longer than the step: honoured', 1, 60_000, 60_000],
    ['shorter than the step: the step', 2, 10_000, 5 * minute],
    ['beyond 24 h: 24 h', 1, 7 * 24 * hour, 24 * hour],
  ])('reads Retry-After %s', (_, attempts, retryAfterMs, delayMs) => {
    const outcome = { ok: false, reason: 'status 429', retryAfterMs } as const
    expect(decideDelivery({ attempts, outcome, schedule: standardWebhooksSchedule, random: 0.5 })).toEqual({
      status: 'retrying',
      delayMs,
      reason: 'status 429',
    })
  })

  it('gives up after the last attempt even when Retry-After asks for a wait', () => {
    const outcome = { ok: false, reason: 'status 503', retryAfterMs: 1_000 } as const
    expect(decideDelivery({ attempts: 10, outcome, schedule: standardWebhooksSchedule, random: 0.5 })).toEqual({
      status: 'dead',
      reason: 'status 503',
    })
  })

  it('follows a schedule of milliseconds as given (tests shorten it)', () => {
    const short: DeliverySchedule = { delaysMs: [10, 20], jitter: 0, maxRetryAfterMs: 1_000 }
    const decide = (attempts: number) => decideDelivery({ attempts, outcome: failed, schedule: short, random: 0.9 })
    expect([decide(1), decide(2), decide(3)]).toEqual([
      { status: 'retrying', delayMs: 10, reason: 'status 503' },
      { status: 'retrying', delayMs: 20, reason: 'status 503' },
      { status: 'dead', reason: 'status 503' },
    ])
  })
})
