/**
 * The circuit breaker against a real local server: a provider that fails some attempts (which retries absorb) keeps
 * its circuit closed; one that fails every call opens it, and a probe closes it once the provider is back.
 */
import { describe, expect, it } from 'vitest'
import { createHttpClient, type HttpClientOptions } from '../src/http/client.js'
import { HttpError } from '../src/http/http-error.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

function client(upstream: FakeUpstream, options: HttpClientOptions = {}) {
  return createHttpClient({ baseUrl: upstream.url, egress: local, ...options })
}

function codeOf(outcome: PromiseSettledResult<unknown>): string {
  if (outcome.status === 'fulfilled') return 'ok'
  return (outcome.reason as { code?: string }).code ?? 'thrown'
}

describe('circuit breaker, end to end', () => {
  // A low minimum count too: then the failure rate alone keeps it closed (about 1% of calls fail after retries).
  it.each([
    ['its default options', {}],
    ['a minimum of 3 failed calls', { failures: 3 }],
  ])(
    'stays closed with %s for 2,000 calls to a provider answering 503 to 30% of attempts, with the default retries',
    async (_, breakerOptions) => {
      const upstream = await startUpstream({ faults: { errorRate: 0.3, resetRate: 0, seed: 7 } })
      const api = client(upstream, { circuitBreaker: breakerOptions })
      try {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 2_000 }, (_, index) => api.get(`/items/${index}`)),
        )
        const codes = outcomes.map(codeOf)
        expect(codes).not.toContain('circuit_open')
        // With 4 attempts, a call fails only when all four do (0.3⁴, under 1%): those end in the provider's own 503.
        const failed = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason)
        for (const error of failed) expect(error).toMatchObject({ status: 503, attempts: 4 })
        expect(failed.every((error) => error instanceof HttpError)).toBe(true)
        expect(codes.filter((code) => code === 'ok').length).toBeGreaterThan(1_950)
        // Every call reached the server: none was refused on the client's side.
        expect(upstream.arrivals.length).toBeGreaterThanOrEqual(2_000)
        expect(api.circuitBreaker?.state(new URL(upstream.url).origin)).toBe('closed')
      } finally {
        await api.close()
        await upstream.close()
      }
    },
  )

  it('opens when every call fails, refuses calls without sending them, and closes after a probe once the provider is back', async () => {
    const upstream = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    const api = client(upstream, {
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      circuitBreaker: { failures: 5, cooldownMs: 300 },
    })
    const key = new URL(upstream.url).origin
    try {
      const first = await Promise.allSettled(Array.from({ length: 5 }, () => api.get('/items')))
      expect(first.map(codeOf)).toEqual(Array(5).fill('http_error'))
      expect(api.circuitBreaker?.state(key)).toBe('open')
      const sent = upstream.arrivals.length
      const refused = await Promise.allSettled(Array.from({ length: 20 }, () => api.get('/items')))
      expect(refused.map(codeOf)).toEqual(Array(20).fill('circuit_open'))
      expect(upstream.arrivals.length).toBe(sent)

      upstream.setFaults(undefined)
      await new Promise((resolve) => setTimeout(resolve, 350))
      expect(api.circuitBreaker?.state(key)).toBe('half_open')
      expect((await api.get('/items')).status).toBe(200)
      expect(api.circuitBreaker?.state(key)).toBe('closed')
      const after = await Promise.all(Array.from({ length: 20 }, () => api.get('/items')))
      expect(after.every((response) => response.status === 200)).toBe(true)
    } finally {
      await api.close()
      await upstream.close()
    }
  })

  it('refuses the retries of calls already waiting when the circuit opens', async () => {
    const upstream = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    // Retries wait about 300 ms (the jitter's random is pinned near its top).
    const api = client(upstream, {
      retry: { maxAttempts: 4, baseDelayMs: 300, maxDelayMs: 300 },
      random: () => 0.99,
      circuitBreaker: { failures: 5, cooldownMs: 60_000 },
    })
    try {
      const patient = Array.from({ length: 5 }, (_, index) =>
        api.get('/items', { headers: { 'x-request-id': `patient-${index}` } }),
      )
      // Five calls with no retries fail at once and open the circuit while the others wait to retry.
      const quick = await Promise.allSettled(Array.from({ length: 5 }, () => api.get('/items', { retry: false })))
      expect(quick.map(codeOf)).toEqual(Array(5).fill('http_error'))
      const waited = await Promise.allSettled(patient)
      expect(waited.map(codeOf)).toEqual(Array(5).fill('circuit_open'))
      // Each of them was sent once: their retries never reached the provider.
      expect(upstream.arrivals.filter((arrival) => arrival.requestId?.startsWith('patient-'))).toHaveLength(5)
    } finally {
      await api.close()
      await upstream.close()
    }
  })
})
