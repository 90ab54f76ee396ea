/**
 * A provider that declares no limit is not throttled before it says anything: calls go out at once (bounded by
 * maxConcurrent) until its first 429 or `remaining: 0`.
 */
import { describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/client.js'
import { createRateLimiter } from '../src/http/rate-limit/rate-limiter.js'
import { startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

describe('a provider with no declared limit', () => {
  it.each([
    ['the client', () => ({})],
    // As the proxy builds it for a provider without a rateLimit.
    ['a limiter of its own', () => ({ limiter: createRateLimiter({}), key: 'provider' })],
  ])('gets 200 concurrent calls answered in about one round trip, with %s', async (_, rateLimit) => {
    const upstream = await startUpstream({ latencyMs: 1_000 })
    const api = createHttpClient({ baseUrl: upstream.url, egress: local, rateLimit: rateLimit() })
    try {
      const started = performance.now()
      const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => api.get(`/items/${index}`)))
      const elapsedMs = performance.now() - started
      expect(answers.every((answer) => answer.status === 200)).toBe(true)
      expect(answers.every((answer) => answer.attempts === 1)).toBe(true)
      // One round trip is 1 s; throttled to one request in flight and one more per round trip, this took 50 s.
      expect(elapsedMs).toBeLessThan(10_000)
    } finally {
      await api.close()
      await upstream.close()
    }
  })
})
