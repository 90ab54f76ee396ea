/**
 * A provider's per-method rate limits (`methodRateLimits`, as Slack's tiers) through the proxy: calls to a method
 * with a limit of its own are paced by that limit, not by the provider's, and calls to other methods keep the
 * provider's (docs/configuration.md, "Providers"). A real upstream on 127.0.0.1, the real app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, maxInWindow, startUpstream } from './helpers/fake-upstream.js'

const [backend] = backends()
const slow = { requestsPerSecond: 4, burst: 1 }

describe.runIf(backend !== undefined)('per-method rate limits through the proxy', () => {
  let upstream: FakeUpstream
  /** A provider down: every answer a 503. */
  let failing: FakeUpstream
  let h: ConnectionHarness

  beforeAll(async () => {
    upstream = await startUpstream()
    failing = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    h = await openConnectionHarness(backend!, {
      providers: {
        tiered: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: upstream.url },
          rateLimit: { requestsPerSecond: 200, burst: 50, per: 'integration' },
          methodRateLimits: { '/slow.method': { ...slow, per: 'integration' } },
        },
        down: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: failing.url },
          rateLimit: { requestsPerSecond: 1_000, burst: 100, per: 'integration' },
          methodRateLimits: { '/limited.method': { requestsPerSecond: 1_000, burst: 100, per: 'integration' } },
        },
      },
      integrations: {
        tiered: { provider: 'tiered', apiKey: 'app-key' },
        down: { provider: 'down', apiKey: 'app-key' },
      },
    })
  })
  afterAll(async () => {
    await h?.close()
    await upstream?.close()
    await failing?.close()
  })

  it("paces a method with a limit of its own by that limit, and the provider's other methods by the provider's", async () => {
    const calls = [
      ...Array.from({ length: 6 }, (_, n) => h.call(`/v1/proxy/tiered/slow.method?n=${n}`)),
      ...Array.from({ length: 6 }, (_, n) => h.call(`/v1/proxy/tiered/other.method?n=${n}`)),
    ]
    const answers = await Promise.all(calls)
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200))

    const slowArrivals = upstream.arrivals.filter((arrival) => arrival.path.startsWith('/slow.method'))
    const otherArrivals = upstream.arrivals.filter((arrival) => arrival.path.startsWith('/other.method'))
    expect(slowArrivals).toHaveLength(6)
    expect(otherArrivals).toHaveLength(6)
    // 4 a second with a burst of 1: six calls span at least a second (the provider's 200/s would send them at once).
    const times = slowArrivals.map((arrival) => arrival.at).sort((a, b) => a - b)
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1_000)
    expect(maxInWindow(slowArrivals, 1_000)).toBeLessThanOrEqual(slow.requestsPerSecond + slow.burst)
  })

  it('keeps one circuit for the provider: failures of a method with its own limit open it for every method', async () => {
    // Enough failed calls (no retries) to open the circuit: at least 10, half of them in the last 10 s.
    for (let n = 0; n < 12; n++) {
      const answer = await h.call(`/v1/proxy/down/limited.method?n=${n}`, { headers: { 'junction-retries': '0' } })
      await answer.arrayBuffer()
      if (answer.headers.get('junction-error') === 'circuit_open') break
    }
    const sent = failing.arrivals.length
    const other = await h.call('/v1/proxy/down/other.method', { headers: { 'junction-retries': '0' } })
    expect(other.status).toBe(503)
    expect(other.headers.get('junction-error')).toBe('circuit_open')
    await other.arrayBuffer()
    expect(failing.arrivals).toHaveLength(sent)
  })
})
