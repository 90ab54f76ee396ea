/**
 * A misused call fails on its own, at once, and leaves the client working: a body of the wrong type, a header undici
 * refuses, and a transport that never answers (the call still ends by its deadline).
 */
import { describe, expect, it } from 'vitest'
import { createHttpClient, type HttpRequest } from '../src/http/client.js'
import type { Transport } from '../src/http/transport.js'
import { startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

describe('misused calls', () => {
  it('refuses 200 calls with an object as body with invalid_request, promptly, and the client still answers', async () => {
    const upstream = await startUpstream()
    // A limit of one call a second and a breaker that opens on one failure: a refused call must take neither.
    const api = createHttpClient({
      baseUrl: upstream.url,
      egress: local,
      rateLimit: { requestsPerSecond: 1, burst: 1, maxConcurrent: 1 },
      circuitBreaker: { failures: 1 },
    })
    try {
      const misused = { method: 'POST', path: '/items', body: { a: 1 } } as unknown as HttpRequest
      const started = performance.now()
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => api.request(misused)))
      // A bound only to catch a hang: each call is refused before anything is sent.
      expect(performance.now() - started).toBeLessThan(5_000)
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected')
        const error = (outcome as PromiseRejectedResult).reason as Error
        expect(error).toMatchObject({ code: 'invalid_request' })
        expect(error.message).toBe(
          `POST ${upstream.url}/items: body must be a string, a Uint8Array or a Readable stream, not an object (send an object as json)`,
        )
      }
      expect(upstream.arrivals).toHaveLength(0)
      const answer = await api.get('/items')
      expect(answer.status).toBe(200)
      expect(api.circuitBreaker?.snapshot()).toEqual({})
    } finally {
      await api.close()
      await upstream.close()
    }
  })

  it('refuses json that cannot be serialised with invalid_request', async () => {
    const upstream = await startUpstream()
    const api = createHttpClient({ baseUrl: upstream.url, egress: local })
    try {
      await expect(api.post('/items', { json: { big: 1n } })).rejects.toMatchObject({ code: 'invalid_request' })
      const cycle: Record<string, unknown> = {}
      cycle.self = cycle
      await expect(api.post('/items', { json: cycle })).rejects.toMatchObject({ code: 'invalid_request' })
      expect(upstream.arrivals).toHaveLength(0)
    } finally {
      await api.close()
      await upstream.close()
    }
  })

  it('keeps its connection pool after more refused requests than it has sockets', async () => {
    // undici itself refuses a header value with a line break, while dispatching: each such request used to cost the
    // pool a connection for good, and once all were gone every call hung.
    const upstream = await startUpstream()
    const api = createHttpClient({ baseUrl: upstream.url, egress: local, timeoutMs: 2_000, deadlineMs: 2_000 })
    try {
      const started = performance.now()
      for (let index = 0; index < 300; index++) {
        await expect(api.get('/items', { headers: { 'x-bad': 'a\r\nb' } })).rejects.toMatchObject({
          code: 'invalid_request',
        })
      }
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.get('/items')))
      expect(answers.every((answer) => answer.status === 200)).toBe(true)
      expect(performance.now() - started).toBeLessThan(10_000)
    } finally {
      await api.close()
      await upstream.close()
    }
  })
})

describe('a transport that never answers', () => {
  const requests: string[] = []
  /** Hangs on `/hang` (ignoring its timeout and signal); answers 200 elsewhere. */
  const stubborn: Transport = (request) => {
    requests.push(request.url.pathname)
    if (request.url.pathname === '/hang') return new Promise(() => undefined)
    return Promise.resolve({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: (async function* () {
        yield new TextEncoder().encode('ok')
      })(),
      release: () => undefined,
    })
  }

  it('cannot keep a call past its deadline, nor its rate-limit permit', async () => {
    const api = createHttpClient({
      baseUrl: 'http://127.0.0.1:9',
      egress: local,
      transport: stubborn,
      timeoutMs: 30_000,
      deadlineMs: 300,
      rateLimit: { maxConcurrent: 1 },
    })
    const started = performance.now()
    await expect(api.get('/hang')).rejects.toMatchObject({ code: 'timeout' })
    // A bound only to catch a hang (the deadline is 300 ms).
    expect(performance.now() - started).toBeLessThan(3_000)
    // The only permit was given back.
    expect((await api.get('/fine')).data).toBe('ok')
  })

  it('retries an attempt that outlives its timeout, within the call deadline', async () => {
    requests.length = 0
    const api = createHttpClient({
      baseUrl: 'http://127.0.0.1:9',
      egress: local,
      transport: stubborn,
      timeoutMs: 100,
      deadlineMs: 1_000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    })
    const started = performance.now()
    await expect(api.get('/hang')).rejects.toMatchObject({ code: 'timeout' })
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(requests).toEqual(['/hang', '/hang', '/hang'])
  })

  it('ends the call at once when its caller aborts', async () => {
    const api = createHttpClient({ baseUrl: 'http://127.0.0.1:9', egress: local, transport: stubborn })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = performance.now()
    await expect(api.get('/hang', { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' })
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
