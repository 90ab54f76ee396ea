/** Each way a server can fail to finish ends with its own error code, within its bound, leaving no socket open. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from '../src/http/client.js'
import { createUndiciTransport } from '../src/http/transport.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

async function settles(check: () => boolean, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

describe('timeouts and size caps', () => {
  let upstream: FakeUpstream
  beforeAll(async () => {
    upstream = await startUpstream()
  })
  afterAll(() => upstream.close())

  it.each([
    // Each bound only tells the error from a hang (or from the next, later way of ending), on a busy machine too.
    ['a server that never answers', '/silent', { timeoutMs: 300 }, 'timeout', 10_000],
    ['a server that trickles a byte a second', '/trickle', { timeoutMs: 1_500 }, 'timeout', 10_000],
    ['a server that sends 20 MiB', '/huge', { timeoutMs: 60_000 }, 'response_too_large', 15_000],
  ] as const)('%s ends in its error, within its bound', async (_, path, options, code, boundMs) => {
    const api = createHttpClient({ baseUrl: upstream.url, egress: local, retry: false, ...options })
    const started = Date.now()
    await expect(api.get(path)).rejects.toMatchObject({ code })
    expect(Date.now() - started).toBeLessThan(boundMs)
    expect(await settles(() => upstream.openSockets() === 0, 10_000)).toBe(true)
    await api.close()
  })

  it('gives a call its deadline across retries and waits', async () => {
    const api = createHttpClient({
      baseUrl: upstream.url,
      egress: local,
      timeoutMs: 200,
      deadlineMs: 700,
      retry: { maxAttempts: 100, baseDelayMs: 1, maxDelayMs: 5 },
    })
    const started = Date.now()
    const error = await api.get('/silent').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'timeout' })
    // 100 attempts of 200 ms would take 20 s: the deadline ended it.
    expect(Date.now() - started).toBeLessThan(8_000)
    expect(await settles(() => upstream.openSockets() === 0, 10_000)).toBe(true)
    await api.close()
  })
})

describe('the undici transport', () => {
  it('ends a request waiting for a free socket at its own timeout', async () => {
    const upstream = await startUpstream()
    const { transport, close } = createUndiciTransport({ connectionsPerOrigin: 1 })
    const silent = new URL(`${upstream.url}/silent`)
    const send = (timeoutMs: number) =>
      transport({ url: silent, method: 'GET', headers: {}, body: undefined, signal: undefined, timeoutMs })
    // The only socket is taken for 3 s; the second request waits in undici's queue.
    const holder = send(3_000).catch((error: unknown) => error)
    try {
      const started = performance.now()
      await expect(send(200)).rejects.toMatchObject({ code: 'timeout' })
      // The socket is free only after 3 s.
      expect(performance.now() - started).toBeLessThan(2_500)
    } finally {
      await holder
      await close()
      await upstream.close()
    }
  })
})
