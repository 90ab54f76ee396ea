import { describe, expect, it } from 'vitest'
import { type AttemptOutcome, decideRetry, fullJitter, type RetryInput } from './retry-decision.js'

const now = Date.parse('2026-11-27T20:00:00.000Z')
const policy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 30_000 }

function response(status: number, headers: Record<string, string> = {}): AttemptOutcome {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
  return { kind: 'response', status, header: (name) => lower[name] }
}

function decide(overrides: Partial<RetryInput>) {
  return decideRetry({
    attempt: 1,
    method: 'GET',
    outcome: response(503),
    policy,
    idempotencyKeySent: false,
    remainingMs: 60_000,
    now,
    random: 0.5,
    ...overrides,
  })
}

const safeMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']
const unsafeMethods = ['POST', 'PATCH']
const retryableStatuses = [408, 429, 500, 502, 503, 504]
const finalStatuses = [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 501, 505]
const networkFailures = ['connect', 'reset', 'timeout', 'other'] as const

describe('retry decision: status class × method', () => {
  for (const method of [...safeMethods, ...unsafeMethods]) {
    for (const status of finalStatuses) {
      it(`${method} ${status} is final`, () => {
        expect(decide({ method, outcome: response(status) })).toMatchObject({
          retry: false,
          reason: 'not_retryable_status',
        })
      })
    }
    for (const status of retryableStatuses) {
      const expectRetry = safeMethods.includes(method) || status === 429
      it(`${method} ${status} is ${expectRetry ? 'retried' : 'not retried (unsafe to repeat)'}`, () => {
        const decision = decide({ method, outcome: response(status) })
        expect(decision.retry).toBe(expectRetry)
        if (!expectRetry) expect(decision.reason).toBe('unsafe_to_repeat')
      })
      it(`${method} ${status} with the provider's idempotency header is retried`, () => {
        expect(decide({ method, outcome: response(status), idempotencyKeySent: true }).retry).toBe(true)
      })
    }
    for (const failure of networkFailures) {
      const expectRetry = safeMethods.includes(method) || failure === 'connect'
      it(`${method} after a ${failure} network failure is ${expectRetry ? 'retried' : 'not retried'}`, () => {
        expect(decide({ method, outcome: { kind: 'network', failure } }).retry).toBe(expectRetry)
        expect(decide({ method, outcome: { kind: 'network', failure }, idempotencyKeySent: true }).retry).toBe(true)
      })
    }
  }

  it('treats methods case-insensitively', () => {
    expect(decide({ method: 'get' }).retry).toBe(true)
    expect(decide({ method: 'post' }).retry).toBe(false)
  })

  it('names the reason', () => {
    expect(decide({ outcome: response(429) }).reason).toBe('rate_limited')
    expect(decide({ outcome: response(408) }).reason).toBe('request_timeout')
    expect(decide({ outcome: response(502) }).reason).toBe('server_error')
    expect(decide({ outcome: { kind: 'network', failure: 'connect' } }).reason).toBe('connect_failed')
    expect(decide({ outcome: { kind: 'network', failure: 'reset' } }).reason).toBe('network_error')
  })
})

describe('retry decision: waits', () => {
  it('uses full-jitter exponential backoff without a hint, capped by maxDelayMs', () => {
    expect(decide({ attempt: 1, random: 0.5 })).toEqual({ retry: true, delayMs: 125, reason: 'server_error' })
    expect(decide({ attempt: 3, random: 0.5 })).toMatchObject({ delayMs: 500 })
    expect(decide({ attempt: 3, random: 0 })).toMatchObject({ delayMs: 0 })
    expect(fullJitter(30, policy, 0.999)).toBe(29_970)
    expect(fullJitter(3, { ...policy, maxDelayMs: 600 }, 0.999)).toBe(599)
  })

  it.each([
    ['Retry-After seconds', { 'Retry-After': '2' }, 2_000],
    ['Retry-After fractional seconds', { 'Retry-After': '1.5' }, 1_500],
    ['Retry-After HTTP date', { 'Retry-After': 'Fri, 27 Nov 2026 20:00:07 GMT' }, 7_000],
    ['Retry-After date in the past', { 'Retry-After': 'Fri, 27 Nov 2026 19:59:00 GMT' }, 0],
    ['X-RateLimit-Reset epoch seconds (GitHub)', { 'X-RateLimit-Reset': String(now / 1000 + 3) }, 3_000],
    ['X-RateLimit-Reset epoch milliseconds', { 'X-RateLimit-Reset': String(now + 4_000) }, 4_000],
    ['X-RateLimit-Reset delta seconds', { 'X-RateLimit-Reset': '5' }, 5_000],
    ['X-RateLimit-Reset epoch in the past', { 'X-RateLimit-Reset': String(now / 1000 - 30) }, 0],
    ['RateLimit-Reset delta (IETF draft)', { 'RateLimit-Reset': '6' }, 6_000],
    ['X-RateLimit-Retry-After delta', { 'X-RateLimit-Retry-After': '3' }, 3_000],
    ['Retry-After in the asctime form', { 'Retry-After': 'Fri Nov 27 20:00:09 2026' }, 9_000],
    ['Retry-After in the RFC 850 form', { 'Retry-After': 'Friday, 27-Nov-26 20:00:03 GMT' }, 3_000],
    ['RateLimit-Reset epoch seconds (GitLab)', { 'RateLimit-Reset': String(now / 1000 + 8) }, 8_000],
    [
      'Retry-After before any reset header',
      { 'Retry-After': '1', 'RateLimit-Reset': '4', 'X-RateLimit-Reset': '2' },
      1_000,
    ],
    ['the longest of several reset headers', { 'RateLimit-Reset': '4', 'X-RateLimit-Reset': '2' }, 4_000],
  ])('honours %s', (_, headers, expected) => {
    expect(decide({ outcome: response(429, headers) })).toEqual({
      retry: true,
      delayMs: expected,
      reason: 'rate_limited',
    })
  })

  it.each([
    ['a word', 'soon'],
    ['a negative number', '-5'],
    ['an empty value', ''],
    ['a fragment Date.parse would accept', '1 May'],
    ['a number with a unit', '10s'],
  ])('ignores a garbage Retry-After (%s) and backs off instead', (_, value) => {
    expect(decide({ outcome: response(503, { 'Retry-After': value }), random: 0.5 })).toMatchObject({
      retry: true,
      delayMs: 125,
    })
  })

  it('reads a reset header on a 5xx as information, not as a wait (GitHub sends one on every response)', () => {
    const header = { 'X-RateLimit-Reset': String(now / 1000 + 1_800), 'X-RateLimit-Remaining': '4000' }
    expect(decide({ outcome: response(502, header), random: 0.5 })).toEqual({
      retry: true,
      delayMs: 125,
      reason: 'server_error',
    })
  })

  it('honours a reset header on a 5xx that says the budget is spent', () => {
    const header = { 'X-RateLimit-Reset': '3', 'X-RateLimit-Remaining': '0' }
    expect(decide({ outcome: response(503, header) })).toMatchObject({ retry: true, delayMs: 3_000 })
  })

  it('does not sleep a wait longer than the deadline allows, and hands the hint back', () => {
    expect(decide({ outcome: response(429, { 'Retry-After': '86400' }), remainingMs: 30_000 })).toEqual({
      retry: false,
      reason: 'wait_exceeds_budget',
      hintMs: 86_400_000,
    })
    expect(decide({ outcome: response(503), remainingMs: 10, random: 0.5 })).toMatchObject({
      retry: false,
      reason: 'wait_exceeds_budget',
    })
  })

  it('stops at maxAttempts, still handing back the hint', () => {
    expect(decide({ attempt: 4, outcome: response(429, { 'Retry-After': '1' }) })).toEqual({
      retry: false,
      reason: 'attempts_exhausted',
      hintMs: 1_000,
    })
    expect(decide({ attempt: 3 }).retry).toBe(true)
  })
})
