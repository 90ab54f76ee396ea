/**
 * A provider that announces its limit in headers is paced by it from the first answer on: against a fixed-window
 * server (20 calls per 500 ms) in each header form, 200 calls queued at once, with no limit configured, all succeed
 * with at most one refusal. Counts only: how fast is measured by npm run bench.
 */
import { describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/client.js'
import { type AnnounceForm, startAnnouncingUpstream } from './helpers/announcing-upstream.js'
import { maxInWindow, startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

describe('a provider announcing its limit in headers', () => {
  it.each<[AnnounceForm, number]>([
    ['ietf', 1],
    // HubSpot names no reset: where its window starts is unknown, so a spent window waits a whole one, and the
    // calls in flight when it ran out may be refused.
    ['hubspot', 5],
  ])(
    'is kept to in the %s form: 200 calls, at most %i refused',
    async (form, mostRefused) => {
      const upstream = await startAnnouncingUpstream({ quota: 20, windowMs: 500, form })
      const api = createHttpClient({
        baseUrl: upstream.url,
        egress: local,
        deadlineMs: 60_000,
        retry: { maxAttempts: 10 },
        rateLimit: { maxConcurrent: 10 },
      })
      try {
        const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => api.get(`/items/${index}`)))
        expect(answers.every((answer) => answer.status === 200)).toBe(true)
        expect(upstream.arrivals.filter((arrival) => arrival.status === 429).length).toBeLessThanOrEqual(mostRefused)
      } finally {
        await api.close()
        await upstream.close()
      }
    },
    60_000,
  )

  it('learns an unannounced limit (50/s, burst 5) with at most 10 refusals in 300 calls, never far above it', async () => {
    const upstream = await startUpstream({ rateLimit: { requestsPerSecond: 50, burst: 5 } })
    const api = createHttpClient({
      baseUrl: upstream.url,
      egress: local,
      deadlineMs: 120_000,
      retry: { maxAttempts: 10 },
      rateLimit: { maxConcurrent: 10 },
    })
    try {
      const answers = await Promise.all(Array.from({ length: 300 }, (_, index) => api.get(`/items/${index}`)))
      expect(answers.every((answer) => answer.status === 200)).toBe(true)
      const refused = upstream.arrivals.filter((arrival) => arrival.status === 429).length
      expect(refused).toBeLessThanOrEqual(10)
      // Everything sent, refusals included, within rate + burst per second (the refusals being the overshoot).
      expect(maxInWindow(upstream.arrivals, 1_000)).toBeLessThanOrEqual(55 + refused)
    } finally {
      await api.close()
      await upstream.close()
    }
  }, 90_000)
})
