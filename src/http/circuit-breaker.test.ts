import { describe, expect, it } from 'vitest'
import { createCircuitBreaker } from './circuit-breaker.js'

function clock() {
  let now = 0
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('circuit breaker', () => {
  it('keeps state only for keys that failed lately, not for every key ever called', () => {
    const breaker = createCircuitBreaker({ failures: 3 })
    for (let index = 0; index < 1_000; index++) breaker.recordSuccess(`conn-${index}`, breaker.enter(`conn-${index}`))
    breaker.recordFailure('flaky', breaker.enter('flaky'))
    expect(breaker.snapshot()).toEqual({ flaky: 'closed' })
    breaker.recordSuccess('flaky', breaker.enter('flaky'))
    expect(breaker.snapshot()).toEqual({})
    expect(breaker.state('never-called')).toBe('closed')
  })

  it('opens after a run of failures, then lets a single probe through after the cool-down', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 3, cooldownMs: 1_000, now: time.now })
    for (let index = 0; index < 3; index++) breaker.recordFailure('k', breaker.enter('k'))
    expect(() => breaker.enter('k')).toThrow(expect.objectContaining({ code: 'circuit_open', retryAfterSeconds: 1 }))
    time.advance(1_000)
    const probe = breaker.enter('k')
    expect(probe.probe).toBe(true)
    expect(() => breaker.enter('k')).toThrow(/paused/)
    breaker.recordSuccess('k', probe)
    expect(breaker.state('k')).toBe('closed')
  })

  it('gives the probe slot back when the probe ends without an outcome', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100, now: time.now })
    breaker.recordFailure('k', breaker.enter('k'))
    time.advance(100)
    const probe = breaker.enter('k')
    // Refused by the rate limiter, or aborted: it tested nothing.
    breaker.recordNeutral('k', probe)
    expect(breaker.enter('k').probe).toBe(true)
  })

  it('does not let a neutral end of an ordinary call free the probe of another', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100, now: time.now })
    const early = breaker.enter('k')
    breaker.recordFailure('k', breaker.enter('k'))
    time.advance(100)
    breaker.enter('k')
    breaker.recordNeutral('k', early)
    expect(() => breaker.enter('k')).toThrow(/paused/)
  })

  it('does not restart the cool-down for late failures of calls sent before it opened', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 1_000, now: time.now })
    const inFlight = [breaker.enter('k'), breaker.enter('k'), breaker.enter('k')]
    breaker.recordFailure('k', inFlight[0]!)
    breaker.recordFailure('k', inFlight[1]!)
    time.advance(900)
    breaker.recordFailure('k', inFlight[2]!)
    time.advance(100)
    expect(breaker.state('k')).toBe('half_open')
  })

  it('reopens when the probe fails', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100, now: time.now })
    breaker.recordFailure('k', breaker.enter('k'))
    time.advance(100)
    breaker.recordFailure('k', breaker.enter('k'))
    expect(breaker.state('k')).toBe('open')
    expect(breaker.snapshot()).toEqual({ k: 'open' })
  })
})
