/** The resilient client against a real local server: faults, idempotency, bodies, errors, events, abort. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient, type HttpClientOptions } from '../src/http/client.js'
import { HttpError } from '../src/http/http-error.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

const local = { allowHttp: true, allowPrivateNetworks: true }

function client(upstream: FakeUpstream, options: HttpClientOptions = {}) {
  return createHttpClient({ baseUrl: upstream.url, egress: local, ...options })
}

describe('against a server with a seeded fault schedule (30% 503, 5% resets)', () => {
  let upstream: FakeUpstream
  beforeAll(async () => {
    upstream = await startUpstream({ faults: { errorRate: 0.3, resetRate: 0.05, seed: 42 } })
  })
  afterAll(() => upstream.close())

  it('gets 500 GETs through with maxAttempts 12', async () => {
    const api = client(upstream, { retry: { maxAttempts: 12, baseDelayMs: 2, maxDelayMs: 20 } })
    const results = await Promise.all(Array.from({ length: 500 }, (_, index) => api.get(`/items/${index}`)))
    expect(results.every((result) => result.status === 200)).toBe(true)
    const attempts = results.reduce((sum, result) => sum + result.attempts, 0)
    expect(attempts).toBeGreaterThan(600)
    await api.close()
  })

  it('sends each POST without the idempotency header exactly once', async () => {
    const api = client(upstream, {
      retry: { maxAttempts: 12, baseDelayMs: 2, maxDelayMs: 20 },
      idempotency: { header: 'Idempotency-Key' },
    })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, index) =>
        api.post('/items', { json: { index }, headers: { 'x-request-id': `post-${index}` } }),
      ),
    )
    const seen = new Map<string, number>()
    for (const arrival of upstream.arrivals) {
      if (arrival.requestId?.startsWith('post-')) seen.set(arrival.requestId, (seen.get(arrival.requestId) ?? 0) + 1)
    }
    expect(seen.size).toBe(200)
    expect([...seen.values()].every((count) => count === 1)).toBe(true)
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(failed.length).toBeGreaterThan(30)
    await api.close()
  })

  it('retries POSTs carrying the idempotency header of a provider that declares one, until all succeed', async () => {
    const api = client(upstream, {
      retry: { maxAttempts: 12, baseDelayMs: 2, maxDelayMs: 20 },
      idempotency: { header: 'Idempotency-Key' },
    })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        api.post('/items', { json: { index }, headers: { 'Idempotency-Key': `key-${index}` } }),
      ),
    )
    expect(results.every((result) => result.status === 200)).toBe(true)
    expect(results.some((result) => result.attempts > 1)).toBe(true)
    await api.close()
  })

  it('does not retry POSTs carrying that header when the provider declares none', async () => {
    const api = client(upstream, { retry: { maxAttempts: 12, baseDelayMs: 2, maxDelayMs: 20 } })
    await Promise.allSettled(
      Array.from({ length: 100 }, (_, index) =>
        api.post('/items', {
          headers: { 'Idempotency-Key': `undeclared-${index}`, 'x-request-id': `undeclared-${index}` },
        }),
      ),
    )
    const sent = upstream.arrivals.filter((arrival) => arrival.requestId?.startsWith('undeclared-'))
    expect(sent).toHaveLength(100)
    expect(new Set(sent.map((arrival) => arrival.requestId)).size).toBe(100)
    await api.close()
  })
})

describe('responses and errors', () => {
  let upstream: FakeUpstream
  beforeAll(async () => {
    upstream = await startUpstream()
  })
  afterAll(() => upstream.close())

  it('joins paths under the base, encodes the query, sends JSON, and parses the answer', async () => {
    const api = createHttpClient({ baseUrl: `${upstream.url}/v2`, egress: local, headers: { 'X-Default': 'yes' } })
    const response = await api.post<{ path: string; query: string; body: string }>('/items', {
      query: { page: 2, q: 'a b&c', skip: undefined },
      json: { name: 'x' },
    })
    expect(response).toMatchObject({ status: 200, attempts: 1 })
    expect(response.data).toMatchObject({ path: '/v2/items', query: '?page=2&q=a+b%26c', body: '{"name":"x"}' })
    expect(response.headers['content-type']).toBe('application/json')
    await api.close()
  })

  it.each([
    '/../admin',
    '/..%2Fadmin',
    '/%2e%2e/admin',
    '/%252e%252e/admin',
    '/items/..',
    '/a\\b',
    '/a%5cb',
    '/a%00b',
    '/..;/admin',
    '//evil.example/x',
    'https://evil.example/x',
    'https:evil.example/x',
  ])('refuses %s, which would leave the base URL, sending nothing (and no default header)', async (path) => {
    const api = createHttpClient({
      baseUrl: `${upstream.url}/v2`,
      egress: local,
      headers: { authorization: 'Bearer secret' },
    })
    const before = upstream.arrivals.length
    await expect(api.get(path)).rejects.toMatchObject({ code: 'invalid_path' })
    expect(upstream.arrivals.length).toBe(before)
    await api.close()
  })

  it('keeps encoded slashes and @ inside a segment, and a query with a second ?', async () => {
    const api = createHttpClient({ baseUrl: `${upstream.url}/v2`, egress: local })
    const response = await api.get<{ path: string; query: string }>('/projects/group%2Fproject/users/a@b.c?q=1?2')
    expect(response.data).toMatchObject({ path: '/v2/projects/group%2Fproject/users/a@b.c', query: '?q=1?2' })
    await api.close()
  })

  it('hands back the wait hint of a 429 even with retries off, and names the request in errors', async () => {
    const limited = await startUpstream({ rateLimit: { requestsPerSecond: 1, burst: 1 } })
    const api = createHttpClient({ baseUrl: limited.url, egress: local, retry: false })
    await api.get('/first')
    const error = await api.get('/second?token=SECRET').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ status: 429, retryAfterMs: 1_000, retryAfterSeconds: 1 })
    expect((error as Error).message).toBe(`GET ${limited.url}/second answered 429`)
    await api.close()
    await limited.close()
  })
})

describe('errors, bodies and events', () => {
  it('throws HttpError with status, data and attempts after retries, and reports every attempt', async () => {
    const upstream = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    const attempts: Array<{ attempt: number; status: number | undefined }> = []
    const retries: number[] = []
    const gaveUp: string[] = []
    const api = client(upstream, {
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      events: {
        onAttempt: (event) => attempts.push({ attempt: event.attempt, status: event.status }),
        onRetry: (event) => retries.push(event.attempt),
        onGiveUp: (event) => gaveUp.push(`${event.reason}:${event.error.code}`),
      },
    })
    const error = await api.get('/items?access_token=SECRET').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HttpError)
    expect(error).toMatchObject({ code: 'http_error', status: 503, attempts: 3, data: { error: 'unavailable' } })
    expect((error as Error).message).toBe(`GET ${upstream.url}/items answered 503`)
    expect(attempts).toEqual([
      { attempt: 1, status: 503 },
      { attempt: 2, status: 503 },
      { attempt: 3, status: 503 },
    ])
    expect(retries).toEqual([1, 2])
    expect(gaveUp).toEqual(['attempts_exhausted:http_error'])
    await api.close()
    await upstream.close()
  })

  it('returns text for text types and bytes otherwise', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((request, response) => {
      if (request.url === '/text') response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo')
      else if (request.url === '/empty-json') response.writeHead(200, { 'content-type': 'application/json' }).end()
      else response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([1, 2, 3]))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address() as { port: number }
    const api = createHttpClient({ baseUrl: `http://127.0.0.1:${address.port}`, egress: local })
    expect((await api.get('/text')).data).toBe('héllo')
    expect((await api.get('/empty-json')).data).toBeNull()
    expect((await api.get('/bytes')).data).toEqual(new Uint8Array([1, 2, 3]))
    await api.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it('stops at once when the caller aborts, while waiting to retry', async () => {
    const upstream = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    const api = client(upstream, {
      retry: { maxAttempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 },
      random: () => 0.99,
    })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    await expect(api.get('/items', { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' })
    // The retry would have come 10 s later; the bound leaves a busy machine room.
    expect(Date.now() - started).toBeLessThan(5_000)
    await api.close()
    await upstream.close()
  })

  it('fails fast with circuit_open after a run of failures, then lets one probe through', async () => {
    const upstream = await startUpstream({ faults: { errorRate: 1, resetRate: 0, seed: 1 } })
    const api = client(upstream, { retry: false, circuitBreaker: { failures: 3, cooldownMs: 200 } })
    for (let index = 0; index < 3; index++) await expect(api.get('/items')).rejects.toMatchObject({ status: 503 })
    const sent = upstream.arrivals.length
    await expect(api.get('/items')).rejects.toMatchObject({ code: 'circuit_open' })
    expect(upstream.arrivals.length).toBe(sent)
    expect(api.circuitBreaker?.state(new URL(upstream.url).origin)).toBe('open')
    await new Promise((resolve) => setTimeout(resolve, 250))
    const probes = await Promise.allSettled([api.get('/items'), api.get('/items')])
    expect(upstream.arrivals.length).toBe(sent + 1)
    expect(
      probes.map((probe) => (probe.status === 'rejected' ? (probe.reason as { code: string }).code : 'ok')).sort(),
    ).toEqual(['circuit_open', 'http_error'])
    await api.close()
    await upstream.close()
  })
})

describe('egress rules', () => {
  it('refuses http:// and non-public addresses unless allowed, before any socket to them', async () => {
    const upstream = await startUpstream()
    const port = new URL(upstream.url).port
    const strict = createHttpClient({ egress: { allowHttp: true, allowPrivateNetworks: false } })
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://2130706433:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://localhost:${port}/`,
    ]) {
      await expect(strict.get(url), url).rejects.toMatchObject({ code: 'egress_blocked' })
    }
    const httpsOnly = createHttpClient({ egress: { allowHttp: false, allowPrivateNetworks: true } })
    await expect(httpsOnly.get(`${upstream.url}/`)).rejects.toMatchObject({ code: 'egress_blocked' })
    // A password in a refused URL never reaches the error's message.
    const refused = await httpsOnly.get(`http://user:s3cretPass@127.0.0.1:${port}/`).catch((error: Error) => error)
    expect(refused).toMatchObject({ code: 'egress_blocked' })
    expect((refused as Error).message).not.toContain('s3cretPass')
    expect(upstream.arrivals).toHaveLength(0)
    const open = createHttpClient({ egress: local })
    expect((await open.get(`http://localhost:${port}/`)).status).toBe(200)
    await Promise.all([strict.close(), httpsOnly.close(), open.close(), upstream.close()])
  })
})
