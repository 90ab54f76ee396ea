/**
 * The proxy on the hub's socket, served on Node's own request and response ahead of the app: the same refusals as
 * the app's route, the API key and its scope, a caller that goes away, and a body slower than the call's budget.
 */

import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../src/core/logger.js'
import { createProxy } from '../src/proxy/proxy.js'
import { createLibraryFetch } from '../src/proxy/proxy-fetch.js'
import { nodeRoutesOf } from '../src/server/node-routes.js'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

describe('the proxy on the hub socket', () => {
  let h: ConnectionHarness
  let upstream: FakeUpstream
  /** An upstream of its own for the disconnect test: its open sockets are that test's alone. */
  let trickler: FakeUpstream
  let server: RunningServer
  let readKey: string
  /** A provider that declares its body's length. */
  let sized: Server
  const sizedBody = JSON.stringify({ items: ['a', 'b', 'c'] })

  beforeAll(async () => {
    upstream = await startUpstream()
    trickler = await startUpstream()
    sized = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(sizedBody) })
      response.end(sizedBody)
    })
    await new Promise<void>((resolve) => sized.listen(0, '127.0.0.1', resolve))
    const sizedUrl = `http://127.0.0.1:${(sized.address() as AddressInfo).port}`
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        echo: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/v2` } },
        slow: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${trickler.url}/v2` } },
        sized: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: sizedUrl } },
      },
      integrations: {
        echo: { provider: 'echo', apiKey: 'app-level-key' },
        slow: { provider: 'slow', apiKey: 'slow-key' },
        sized: { provider: 'sized', apiKey: 'sized-key' },
      },
    })
    readKey = (await h.apiKeys.create('reader', 'read')).key
    server = await listen(h.app, { host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await server?.close(0)
    await h?.close()
    await upstream?.close()
    await trickler?.close()
    sized?.closeAllConnections()
    await new Promise((resolve) => sized?.close(resolve))
  })

  /** One request on a socket of its own, the path sent exactly as given (dot segments included). */
  const send = (
    path: string,
    options: { method?: string; headers?: Record<string, string | number | string[]>; body?: string } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method: options.method ?? 'GET',
          agent: false,
          headers: { authorization: `Bearer ${h.key}`, ...options.headers },
        },
        (response) => {
          let body = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => {
            body += chunk
          })
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
        },
      )
      outgoing.on('error', reject)
      outgoing.end(options.body)
    })

  it('serves the proxy ahead of the app, and only the proxy under /v1', () => {
    expect(nodeRoutesOf(h.app).map((route) => route.prefix)).toContain('/v1/proxy/')
  })

  // The table of docs/http-api.md's invalid_path cases, against both entry points.
  const invalidPaths = [
    '/v1/proxy/echo/..%2Fadmin',
    '/v1/proxy/echo/..;/admin',
    '/v1/proxy/echo/a%5cb',
    '/v1/proxy/echo//evil.example/x',
    '/v1/proxy/echo/%2e%2e/admin',
    '/v1/proxy/echo/a/../../admin',
    '/v1/proxy/echo/.%2E/x',
    '/v1/proxy/echo/./x',
  ]
  // A web Request resolves dot segments before the app sees them: the app's route is given the others.
  const survivesRequestUrl = (path: string) => !/\/(?:\.|%2e){1,2}(?:\/|$)/i.test(path)

  it.each(invalidPaths)('refuses %s with invalid_path on the socket, sending nothing', async (path) => {
    const before = upstream.arrivals.length
    const answer = await send(path)
    expect({ status: answer.status, error: answer.headers['junction-error'] }).toEqual({
      status: 400,
      error: 'invalid_path',
    })
    expect(answer.headers['junction-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(upstream.arrivals.length).toBe(before)
  })

  it.each(invalidPaths.filter(survivesRequestUrl))(
    'refuses %s with invalid_path through the app, sending nothing',
    async (path) => {
      const before = upstream.arrivals.length
      const response = await h.app.request(path, { headers: { authorization: `Bearer ${h.key}` } })
      expect({ status: response.status, error: response.headers.get('junction-error') }).toEqual({
        status: 400,
        error: 'invalid_path',
      })
      expect(upstream.arrivals.length).toBe(before)
    },
  )

  it('checks the API key and its scope: none is 401, a read key may only GET', async () => {
    const before = upstream.arrivals.length
    const none = await send('/v1/proxy/echo/items', { headers: { authorization: '' } })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer')
    expect(JSON.parse(none.body)).toMatchObject({ error: { code: 'unauthorized' } })
    const wrong = await send('/v1/proxy/echo/items', { headers: { authorization: 'Bearer jnc_not_a_key' } })
    expect(wrong.status).toBe(401)
    const post = await send('/v1/proxy/echo/items', {
      method: 'POST',
      headers: { authorization: `Bearer ${readKey}`, 'content-type': 'text/plain' },
      body: 'x',
    })
    expect({ status: post.status, error: post.headers['junction-error'] }).toEqual({ status: 403, error: 'forbidden' })
    const token = await send('/v1/proxy/echo/x/token', { headers: { authorization: `Bearer ${readKey}` } })
    expect(token.status).toBe(403)
    // Encoded, it is still the token route's name, as the app's router reads it.
    const encoded = await send('/v1/proxy/echo/x/%74oken', { headers: { authorization: `Bearer ${readKey}` } })
    expect(encoded.status).toBe(403)
    // Two Authorization headers are no key (the app sees them joined), even when each alone would be one.
    const twice = await send('/v1/proxy/echo/items', {
      headers: { authorization: [`Bearer ${h.key}`, `Bearer ${h.key}`] },
    })
    expect(twice.status).toBe(401)
    expect(upstream.arrivals.length).toBe(before)
    const get = await send('/v1/proxy/echo/items?page=2', { headers: { authorization: `Bearer ${readKey}` } })
    expect(get.status).toBe(200)
    const echoed = JSON.parse(get.body) as { path: string; query: string; headers: Record<string, string> }
    expect(echoed).toMatchObject({ path: '/v2/items', query: '?page=2' })
    expect(echoed.headers['x-api-key']).toBe('app-level-key')
    expect(echoed.headers.authorization).toBeUndefined()
  })

  it("streams a success body with the provider's declared length, not chunked", async () => {
    const answer = await send('/v1/proxy/sized/items')
    expect(answer.status).toBe(200)
    expect(answer.body).toBe(sizedBody)
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(sizedBody)))
    expect(answer.headers['transfer-encoding']).toBeUndefined()
  })

  it('junction.fetch() checks a call without a body as fetch() would, building no Request', async () => {
    const proxy = createProxy({
      services: h.services,
      options: { egress: { allowHttp: true, allowPrivateNetworks: true } },
    })
    const fetchThrough = createLibraryFetch({ proxy, logger: createLogger({ level: 'silent' }) })
    try {
      const before = upstream.arrivals.length
      for (const init of [{ method: 'TRACE' }, { method: 'GE T' }, { headers: { 'x-bad': 'a\nb' } }] as RequestInit[]) {
        const refused = await fetchThrough('echo', null, '/items', init)
        expect(refused.status).toBe(400)
        expect(refused.headers.get('junction-error')).toBe('invalid_request')
        expect(await refused.text()).not.toContain('a\nb')
      }
      expect(upstream.arrivals.length).toBe(before)
      const answered = await fetchThrough('echo', null, '/items', {
        method: 'delete',
        headers: [['X-Custom', 'kept']],
      })
      expect(answered.status).toBe(200)
      const echoed = (await answered.json()) as { method: string; headers: Record<string, string> }
      expect(echoed.method).toBe('DELETE')
      expect(echoed.headers['x-custom']).toBe('kept')
    } finally {
      await proxy.close()
    }
  })

  it('leaves paths that are not a proxy call to the app', async () => {
    // `..` as the integration resolves out of /v1/proxy: the app routes it (here to the key list).
    const keys = await send('/v1/proxy/../api-keys')
    expect(keys.status).toBe(200)
    expect(JSON.parse(keys.body)).toHaveProperty('data')
  })

  it('aborts the provider call when the caller goes away mid-stream, leaving no socket open', async () => {
    await new Promise<void>((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/v1/proxy/slow/trickle',
          agent: false,
          headers: {
            authorization: `Bearer ${h.key}`,
          },
        },
        (response) => {
          expect(response.statusCode).toBe(200)
          // The first byte has come through: the caller goes away.
          response.once('data', () => {
            outgoing.destroy()
            resolve()
          })
        },
      )
      outgoing.on('error', () => undefined)
      outgoing.once('response', () => undefined)
      outgoing.end()
      setTimeout(() => reject(new Error('no first byte')), 20_000).unref()
    })
    expect(trickler.arrivals.length).toBe(1)
    await vi.waitFor(() => expect(trickler.openSockets()).toBe(0), { timeout: 10_000, interval: 50 })
  })

  it('answers 504 to a body slower than the budget, and sends nothing to the provider', async () => {
    const before = upstream.arrivals.length
    const answer = await new Promise<Answer & { closed: boolean }>((resolve, reject) => {
      const outgoing = request({
        host: '127.0.0.1',
        port: server.port,
        path: '/v1/proxy/echo/items',
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${h.key}`,
          'content-type': 'text/plain',
          'content-length': 100,
          'junction-timeout-ms': 300,
        },
      })
      outgoing.on('response', (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          body += chunk
        })
        response.on('end', () => {
          // The rest of the body, late: nothing reads it.
          outgoing.write('b'.repeat(90))
          outgoing.socket?.once('close', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body, closed: true }),
          )
        })
      })
      outgoing.on('error', () => undefined)
      // Ten bytes of the hundred declared, then nothing within the budget.
      outgoing.write('a'.repeat(10))
      setTimeout(() => reject(new Error('no answer')), 20_000).unref()
    })
    expect(answer.status).toBe(504)
    expect(answer.headers['junction-error']).toBe('timeout')
    expect(answer.headers.connection).toBe('close')
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'timeout' } })
    expect(answer.closed).toBe(true)
    expect(upstream.arrivals.length).toBe(before)
  })
})
