import { describe, expect, it } from 'vitest'
import { type CircuitBreaker, createCircuitBreaker } from './circuit-breaker.js'

function clock() {
  let now = 0
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** Ends `count` calls of `key` one way (each entering first, as the client does). */
function end(breaker: CircuitBreaker, key: string, outcome: 'success' | 'failure', count = 1): void {
  for (let index = 0; index < count; index++) {
    const pass = breaker.enter(key)
    if (outcome === 'success') breaker.recordSuccess(key, pass)
    else breaker.recordFailure(key, pass)
  }
}

describe('circuit breaker', () => {
  it('keeps state only for keys that failed lately, not for every key ever called', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ windowMs: 1_000, now: time.now })
    for (let index = 0; index < 1_000; index++) end(breaker, `conn-${index}`, 'success')
    end(breaker, 'flaky', 'failure')
    expect(breaker.snapshot()).toEqual({ flaky: 'closed' })
    // The failure still counts within the window; once it has left, the next success forgets the key.
    end(breaker, 'flaky', 'success')
    expect(breaker.snapshot()).toEqual({ flaky: 'closed' })
    time.advance(1_000)
    end(breaker, 'flaky', 'success')
    expect(breaker.snapshot()).toEqual({})
    expect(breaker.state('never-called')).toBe('closed')
  })

  it('forgets keys whose failures have left the window even if they are never called again', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ windowMs: 1_000, now: time.now })
    for (let index = 0; index < 100; index++) end(breaker, `once-${index}`, 'failure')
    time.advance(1_000)
    // New failing keys sweep out the old ones as the map grows, not only snapshot().
    for (let index = 0; index < 100; index++) end(breaker, `later-${index}`, 'failure')
    const kept = Object.keys(breaker.snapshot())
    expect(kept.filter((key) => key.startsWith('once-'))).toEqual([])
    expect(kept).toHaveLength(100)
  })

  it('opens when enough calls failed and they are at least the failure rate of the window', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 5, failureRate: 0.5, windowMs: 10_000, now: time.now })
    end(breaker, 'k', 'failure')
    end(breaker, 'k', 'success', 5)
    // 4 failures of 9 calls: below both the count and the rate.
    end(breaker, 'k', 'failure', 3)
    expect(breaker.state('k')).toBe('closed')
    // 5 of 10: both met.
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('open')
  })

  it('stays closed below the failure rate, however many calls fail', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 10, failureRate: 0.5, windowMs: 10_000, now: time.now })
    // A provider failing 30% of calls, steadily: 300 failures in the window, never half.
    for (let index = 0; index < 1_000; index++) {
      end(breaker, 'k', index % 10 < 3 ? 'failure' : 'success')
      time.advance(5)
    }
    expect(breaker.state('k')).toBe('closed')
  })

  it('does not open on a rate of failures below the minimum count', () => {
    const breaker = createCircuitBreaker({ failures: 10, failureRate: 0.5 })
    end(breaker, 'k', 'failure', 9)
    expect(breaker.state('k')).toBe('closed')
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('open')
  })

  it('counts only the calls that ended within the window', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 4, failureRate: 0.5, windowMs: 1_000, now: time.now })
    end(breaker, 'k', 'failure', 3)
    time.advance(1_000)
    // The three older failures have left the window: three new ones are three, not six.
    end(breaker, 'k', 'failure', 3)
    expect(breaker.state('k')).toBe('closed')
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('open')
  })

  it('counts successes of the window against its failures, as they slide out', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 2, failureRate: 0.5, windowMs: 1_000, now: time.now })
    end(breaker, 'k', 'failure')
    end(breaker, 'k', 'success', 4)
    time.advance(500)
    // 2 failures of 6 calls: closed.
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('closed')
    time.advance(500)
    // The first failure and the four successes have left; 2 of 2 now.
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('open')
  })

  it('opens after failures, then lets a single probe through after the cool-down, which closes it', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 3, cooldownMs: 1_000, now: time.now })
    end(breaker, 'k', 'failure', 3)
    expect(() => breaker.enter('k')).toThrow(expect.objectContaining({ code: 'circuit_open', retryAfterSeconds: 1 }))
    time.advance(1_000)
    const probe = breaker.enter('k')
    expect(probe.probe).toBe(true)
    expect(() => breaker.enter('k')).toThrow(/paused/)
    breaker.recordSuccess('k', probe)
    expect(breaker.state('k')).toBe('closed')
    // A clean slate: one more failure does not reopen it.
    end(breaker, 'k', 'failure')
    expect(breaker.state('k')).toBe('closed')
  })

  it('refuses the retries of calls let through before it opened, but not those of the probe', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 1_000, now: time.now })
    const early = breaker.enter('k')
    end(breaker, 'k', 'failure', 2)
    expect(() => breaker.reenter('k', early)).toThrow(expect.objectContaining({ code: 'circuit_open' }))
    time.advance(1_000)
    const probe = breaker.enter('k')
    expect(() => breaker.reenter('k', probe)).not.toThrow()
    expect(() => breaker.reenter('k', early)).toThrow(/paused/)
    expect(() => breaker.reenter('other', early)).not.toThrow()
  })

  it('gives the probe slot back when the probe ends without an outcome', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100, now: time.now })
    end(breaker, 'k', 'failure')
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
    end(breaker, 'k', 'failure')
    time.advance(100)
    breaker.enter('k')
    breaker.recordNeutral('k', early)
    expect(() => breaker.enter('k')).toThrow(/paused/)
  })

  it('lets only the probe speak for an open circuit: late ends of earlier calls change nothing', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 1_000, now: time.now })
    const inFlight = [breaker.enter('k'), breaker.enter('k'), breaker.enter('k'), breaker.enter('k')]
    breaker.recordFailure('k', inFlight[0]!)
    breaker.recordFailure('k', inFlight[1]!)
    time.advance(900)
    // Neither restarts the cool-down nor closes the circuit.
    breaker.recordFailure('k', inFlight[2]!)
    breaker.recordSuccess('k', inFlight[3]!)
    expect(breaker.state('k')).toBe('open')
    time.advance(100)
    expect(breaker.state('k')).toBe('half_open')
  })

  it('reopens when the probe fails', () => {
    const time = clock()
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100, now: time.now })
    end(breaker, 'k', 'failure')
    time.advance(100)
    breaker.recordFailure('k', breaker.enter('k'))
    expect(breaker.state('k')).toBe('open')
    expect(breaker.snapshot()).toEqual({ k: 'open' })
  })
})
