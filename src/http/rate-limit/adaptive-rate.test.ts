import { describe, expect, it } from 'vitest'
import { createAdaptiveRate } from './adaptive-rate.js'

function clock() {
  let now = 0
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('adaptive rate', () => {
  it('does not pace an unknown limit until the provider refuses, then settles under what it accepted', () => {
    const time = clock()
    const rate = createAdaptiveRate({ requestsPerSecond: undefined, now: time.now })
    expect(rate.rate('k')).toBeUndefined()
    for (let index = 0; index < 20; index++) {
      rate.accepted('k')
      time.advance(40)
    }
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(18, 5)
  })

  it('probes upwards quickly until a second refusal, then creeps slowly', () => {
    const time = clock()
    const rate = createAdaptiveRate({
      requestsPerSecond: undefined,
      probeIntervalMs: 1_000,
      quietPeriodMs: 5_000,
      now: time.now,
    })
    // Spread over the second, so that the last 300 ms do not read faster than the whole second.
    for (let index = 0; index < 10; index++) {
      time.advance(100)
      rate.accepted('k')
    }
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(9, 5)
    time.advance(1_000)
    expect(rate.rate('k')).toBeCloseTo(18, 5)
    for (let index = 0; index < 4; index++) {
      time.advance(100)
      for (let each = 0; each < 3; each++) rate.accepted('k')
    }
    // 12 accepted within the last second (30 a second over its last 300 ms) while we were sending at 18: settle at
    // 90% of the lower.
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(16.2, 5)
    time.advance(1_000)
    expect(rate.rate('k')).toBeCloseTo(16.2, 5)
    time.advance(4_000)
    expect(rate.rate('k')).toBeCloseTo(17.01, 5)
  })

  it('reads acceptance over the last 300 ms when that was faster than over the second (a rising probe)', () => {
    const time = clock()
    const rate = createAdaptiveRate({ requestsPerSecond: undefined, now: time.now })
    time.advance(5_000)
    // 2 in the first 700 ms, then 15 in the last 300: 17 in the second, but 50 a second lately.
    rate.accepted('k')
    time.advance(400)
    rate.accepted('k')
    time.advance(300)
    for (let index = 0; index < 15; index++) rate.accepted('k')
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(45, 5)
  })

  it("uses an announced rate at once, as the key's ceiling", () => {
    const time = clock()
    const rate = createAdaptiveRate({ requestsPerSecond: undefined, now: time.now })
    rate.announced('k', 50)
    expect(rate.rate('k')).toBe(50)
    time.advance(10_000)
    expect(rate.rate('k')).toBe(50)
    const capped = createAdaptiveRate({ requestsPerSecond: 20, now: time.now })
    capped.announced('k', 50)
    expect(capped.rate('k')).toBe(20)
  })

  it('never rises above the configured rate, and halves when nothing was accepted', () => {
    const time = clock()
    const rate = createAdaptiveRate({ requestsPerSecond: 10, quietPeriodMs: 100, now: time.now })
    rate.limitReached('k')
    // The same episode: requests that were in flight when the first 429 came back.
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(4.5, 5)
    time.advance(50)
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(4.5, 5)
    time.advance(1_000)
    rate.limitReached('k')
    expect(rate.rate('k')).toBeCloseTo(2.025, 5)
    for (let step = 0; step < 200; step++) {
      time.advance(100)
      rate.rate('k')
    }
    expect(rate.rate('k')).toBe(10)
  })

  it('keeps keys apart', () => {
    const rate = createAdaptiveRate({ requestsPerSecond: 10 })
    rate.limitReached('a')
    expect(rate.rate('a')).toBeLessThan(10)
    expect(rate.rate('b')).toBe(10)
  })
})
