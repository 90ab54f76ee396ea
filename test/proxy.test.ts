/**
 * The proxy against a local provider API: credentials, header and path rules, retries, refresh on 401, logs. Every
 * case runs through both entry points: the app's route (`app.request()`, as the library's `handle()` serves it) and
 * the hub's socket, where the proxy is served ahead of the app on Node's own request and response.
 */

import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

const past = () => new Date(Date.now() - 60_000).toISOString()

describe.each(['app', 'socket'] as const)('the proxy through the %s', (entry) => {
  let h: ConnectionHarness
  let upstream: FakeUpstream
  /** The hub's socket, for the cases called through it. */
  let socket: RunningServer | undefined

  beforeAll(async () => {
    upstream = await startUpstream()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        echo: {
          auth: { type: 'oauth2', authorizeUrl: 'http://127.0.0.1/authorize', tokenUrl: 'http://127.0.0.1/token' },
          api: { baseUrl: `${upstream.url}/v2` },
        },
        querykey: { auth: { type: 'api_key', query: 'api_key' }, api: { baseUrl: `${upstream.url}/q` } },
        headerkey: {
          auth: { type: 'api_key', header: 'X-Api-Key', prefix: 'Key ' },
          api: { baseUrl: `${upstream.url}/h` },
        },
      },
      integrations: {
        echo: { provider: 'echo', clientId: 'c', clientSecret: 's' },
        querykey: { provider: 'querykey' },
        app: { provider: 'headerkey', apiKey: 'app-level-key' },
      },
    })
    // The echo provider refreshes at the harness's fake token server.
    const echo = h.services.integrations.get('echo')!
    if (echo.definition.auth.type === 'oauth2') echo.definition.auth.tokenUrl = `${h.provider.url}/token`
    for (const [integration, userId, credentials] of [
      [
        'echo',
        'u_1',
        {
          accessToken: 'good-token',
          refreshToken: h.provider.grant(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      ],
      [
        'echo',
        'u_stale',
        {
          accessToken: 'stale-token',
          refreshToken: h.provider.grant(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      ],
      ['echo', 'u_bodies', { accessToken: 'bodies-token' }],
      ['querykey', 'u_1', { apiKey: 'user-query-key' }],
    ] as const) {
      await h.call('/v1/connections', { method: 'POST', body: JSON.stringify({ integration, userId, credentials }) })
    }
  })
  afterAll(async () => {
    await socket?.close(0)
    await h.close()
    await upstream.close()
  })

  const call = (path: string, init: RequestInit & { user?: string } = {}) => {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${h.key}`)
    if (init.user !== undefined) headers.set('junction-user-id', init.user)
    if (entry === 'app') return h.app.request(path, { ...init, headers })
    const open = socket ?? listen(h.app, { host: '127.0.0.1', port: 0 })
    return Promise.resolve(open).then((server) => {
      socket = server
      // A redirect is the proxy's answer to look at, as app.request() hands it back: not followed here.
      return fetch(`${server.url}${path}`, { ...init, headers, redirect: 'manual' })
    })
  }

  it('holds credentials in memory, yet a replaced or deleted connection takes effect at once', async () => {
    const tokenSent = async () => {
      const response = await call('/v1/proxy/echo/held', { user: 'u_held' })
      return response.status === 200
        ? ((await response.json()) as { headers: Record<string, string> }).headers.authorization
        : response.status
    }
    const importToken = (accessToken: string) =>
      h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration: 'echo', userId: 'u_held', credentials: { accessToken } }),
      })
    await importToken('held-1')
    expect(await tokenSent()).toBe('Bearer held-1')
    // Changed behind this process's back (another instance writing the row): the held credentials serve meanwhile.
    await h.database.db.updateTable('connections').set({ credentials: null }).where('user_id', '=', 'u_held').execute()
    expect(await tokenSent()).toBe('Bearer held-1')
    // Replaced or deleted through this process: forgotten at once.
    await importToken('held-2')
    expect(await tokenSent()).toBe('Bearer held-2')
    expect((await h.call('/v1/connections/echo/u_held', { method: 'DELETE' })).status).toBe(204)
    expect(await tokenSent()).toBe(404)
  })

  it("sends the connection's token, the path and query, and none of the caller's credentials or forwarding headers", async () => {
    const response = await call('/v1/proxy/echo/items/group%2Fproject/a@b.c?page=2&q=x', {
      user: 'u_1',
      headers: {
        cookie: 'session=caller',
        'x-forwarded-for': '1.2.3.4',
        'junction-debug': '1',
        'x-custom': 'kept',
        'accept-encoding': 'gzip, br',
        forwarded: 'for=x',
      },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('junction-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(response.headers.get('junction-attempts')).toBe('1')
    const echoed = (await response.json()) as { path: string; query: string; headers: Record<string, string> }
    expect(echoed.path).toBe('/v2/items/group%2Fproject/a@b.c')
    expect(echoed.query).toBe('?page=2&q=x')
    expect(echoed.headers.authorization).toBe('Bearer good-token')
    expect(echoed.headers['x-custom']).toBe('kept')
    expect(echoed.headers['accept-encoding']).toBe('identity')
    for (const name of ['cookie', 'x-forwarded-for', 'junction-debug', 'junction-user-id', 'forwarded'])
      expect(echoed.headers[name]).toBeUndefined()
    expect(JSON.stringify(echoed)).not.toContain(h.key)
  })

  it.each([
    '/v1/proxy/echo/..%2Fadmin',
    '/v1/proxy/echo/..;/admin',
    '/v1/proxy/echo/a%5cb',
    '/v1/proxy/echo//evil.example/x',
  ])('refuses %s with invalid_path, sending nothing', async (path) => {
    const before = upstream.arrivals.length
    const response = await call(path, { user: 'u_1' })
    expect(response.status).toBe(400)
    expect(response.headers.get('junction-error')).toBe('invalid_path')
    expect(upstream.arrivals.length).toBe(before)
  })

  it('refuses dot segments that arrive on a real socket (a Request URL would have resolved them away)', async () => {
    const server = await listen(h.app, { host: '127.0.0.1', port: 0 })
    try {
      const before = upstream.arrivals.length
      for (const path of ['/v1/proxy/echo/%2e%2e/admin', '/v1/proxy/echo/a/../../admin', '/v1/proxy/echo/.%2E/x']) {
        const { status, error } = await new Promise<{ status: number; error: string | undefined }>(
          (resolve, reject) => {
            // Options with a path (not a URL string) make node:http send the path as given, dot segments included.
            const outgoing = request(
              {
                host: '127.0.0.1',
                port: server.port,
                path,
                headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1' },
              },
              (response) => {
                response.resume()
                response.on('end', () =>
                  resolve({ status: response.statusCode ?? 0, error: response.headers['junction-error'] as string }),
                )
              },
            )
            outgoing.on('error', reject)
            outgoing.end()
          },
        )
        expect({ path, status, error }).toEqual({ path, status: 400, error: 'invalid_path' })
      }
      expect(upstream.arrivals.length).toBe(before)
    } finally {
      await server.close(0)
    }
  })

  it('streams success bodies: the first bytes before the provider is done, all of a large one, and cuts off past the cap', async () => {
    const server = await listen(h.app, { host: '127.0.0.1', port: 0 })
    const headers = { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1' }
    try {
      // The provider sends a byte a second and never finishes: only a streaming proxy answers at once.
      const started = performance.now()
      const trickle = await fetch(`${server.url}/v1/proxy/echo/trickle`, { headers })
      const reader = trickle.body!.getReader()
      const first = await reader.read()
      expect(first.value?.byteLength).toBeGreaterThan(0)
      // A buffering proxy would answer only at the call's 60 s budget; the bound leaves room for a busy machine.
      expect(performance.now() - started).toBeLessThan(20_000)
      await reader.cancel()

      const large = await fetch(`${server.url}/v1/proxy/echo/bytes?n=${3 * 1024 * 1024}`, { headers })
      expect(large.status).toBe(200)
      const bytes = new Uint8Array(await large.arrayBuffer())
      expect(bytes.byteLength).toBe(3 * 1024 * 1024)
      expect(bytes.every((byte) => byte === 7)).toBe(true)

      // 20 MiB against the 10 MiB cap: the status has gone, so the connection is closed mid-body.
      const huge = await fetch(`${server.url}/v1/proxy/echo/huge`, { headers })
      expect(huge.status).toBe(200)
      await expect(huge.arrayBuffer()).rejects.toThrow()
    } finally {
      await server.close(0)
    }
  })

  it('sends small bodies buffered and retried, large ones streamed once, and refuses more than 10 MiB', async () => {
    const server = await listen(h.app, { host: '127.0.0.1', port: 0 })
    // A user of its own: the resets below open this connection's circuit.
    const headers = { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_bodies', 'content-type': 'text/plain' }
    const send = (path: string, method: string, size: number) =>
      fetch(`${server.url}/v1/proxy/echo${path}`, { method, headers, body: 'a'.repeat(size) })
    try {
      const small = await send('/items', 'POST', 100_000)
      expect(((await small.json()) as { body: string }).body.length).toBe(100_000)
      const large = await send('/items', 'PUT', 3 * 1024 * 1024)
      expect(large.status).toBe(200)
      const echoed = (await large.json()) as { body: string; headers: Record<string, string> }
      expect(echoed.body.length).toBe(3 * 1024 * 1024)
      // Streamed with its length, not chunked (which many APIs refuse).
      expect(echoed.headers['content-length']).toBe(String(3 * 1024 * 1024))
      expect(echoed.headers['transfer-encoding']).toBeUndefined()

      // A PUT is retried on a reset, but not with a streamed body: it could not be sent again.
      const smallReset = await send('/always-reset', 'PUT', 10)
      expect(smallReset.headers.get('junction-attempts')).toBe('4')
      // A small body sent chunked (no length declared) is read whole too, so it is retried like any small one.
      const chunked = await fetch(`${server.url}/v1/proxy/echo/always-reset`, {
        method: 'PUT',
        headers,
        body: new Blob(['a'.repeat(10)]).stream(),
        duplex: 'half',
      } as RequestInit)
      expect(chunked.headers.get('junction-attempts')).toBe('4')
      const largeReset = await send('/always-reset', 'PUT', 2 * 1024 * 1024)
      expect(largeReset.status).toBe(502)
      expect(largeReset.headers.get('junction-attempts')).toBe('1')

      const before = upstream.arrivals.length
      const tooLarge = await send('/items', 'PUT', 10 * 1024 * 1024 + 1)
      expect(tooLarge.status).toBe(413)
      expect(upstream.arrivals.length).toBe(before)
    } finally {
      await server.close(0)
    }
  })

  it('puts API keys where the provider wants them, overriding what the caller tried', async () => {
    const query = (await (
      await call('/v1/proxy/querykey/x?api_key=caller-attempt&keep=1&q=a%20b&e=a=b', { user: 'u_1' })
    ).json()) as { query: string }
    expect(query.query).toBe('?keep=1&q=a%20b&e=a=b&api_key=user-query-key')
    const header = (await (await call('/v1/proxy/app/x', { headers: { 'x-api-key': 'caller-attempt' } })).json()) as {
      headers: Record<string, string>
    }
    expect(header.headers['x-api-key']).toBe('Key app-level-key')
  })

  it('needs a user id for user connections, and not for app-level integrations', async () => {
    const missing = await call('/v1/proxy/echo/x')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: { code: 'missing_user_id' } })
    expect((await call('/v1/proxy/echo/x', { user: 'nobody' })).status).toBe(404)
    expect((await call('/v1/proxy/app/x')).status).toBe(200)
  })

  it('refreshes once on an unexpected 401 and tries again, never more', async () => {
    const before = h.provider.calls.length
    const response = await call('/v1/proxy/echo/needs-fresh-token', { user: 'u_stale' })
    expect(response.status).toBe(200)
    expect(h.provider.calls.length - before).toBe(1)
    expect(response.headers.get('junction-attempts')).toBe('2')
  })

  it('refreshes only once when the fresh token is refused too, and hands that 401 back', async () => {
    const before = h.provider.calls.length
    const response = await call('/v1/proxy/echo/always-401', { user: 'u_1' })
    expect(response.status).toBe(401)
    expect(h.provider.calls.length - before).toBe(1)
    expect(response.headers.get('junction-attempts')).toBe('2')
  })

  it('counts every attempt, and none for a call refused before it was sent', async () => {
    const reset = await call('/v1/proxy/echo/always-reset', { user: 'u_1' })
    expect(reset.status).toBe(502)
    expect(reset.headers.get('junction-attempts')).toBe('4')
    const refused = await call('/v1/proxy/echo/x')
    expect(refused.headers.get('junction-attempts')).toBe('0')
  })

  it('passes provider errors through with the token scrubbed, and strips Set-Cookie', async () => {
    const error = await call('/v1/proxy/echo/echo-error', { user: 'u_1', headers: { 'accept-encoding': 'gzip' } })
    expect(error.status).toBe(400)
    // The body comes uncompressed (Junction asks the provider for identity) so that it could be scrubbed.
    const text = await error.text()
    expect(text).not.toContain('good-token')
    expect(text).toContain('[redacted]')
    expect(error.headers.get('x-echo')).toBe('Bearer [redacted]')
    expect(error.headers.get('junction-error')).toBeNull()
    const large = await (await call('/v1/proxy/echo/echo-error?pad=200000', { user: 'u_1' })).text()
    expect(large.length).toBeGreaterThan(200_000)
    expect(large).not.toContain('good-token')
    // A redirect is handed back, not followed, and scrubbed too: its Location repeats a query-string key.
    const moved = await call('/v1/proxy/querykey/moved?page=2', { user: 'u_1' })
    expect(moved.status).toBe(302)
    expect(moved.headers.get('location')).toContain('page=2')
    expect(moved.headers.get('location')).not.toContain('user-query-key')
    expect(await moved.text()).not.toContain('user-query-key')
    const cookie = await call('/v1/proxy/echo/set-cookie', { user: 'u_1' })
    expect(cookie.headers.get('set-cookie')).toBeNull()
    expect(cookie.headers.get('x-provider')).toBe('yes')
  })

  it('records each proxied call in the call log, with query secrets redacted and never the token', async () => {
    const proxied = await call('/v1/proxy/echo/logged?secret=s3cr3t-value&page=2', { user: 'u_1' })
    const requestId = proxied.headers.get('junction-request-id')
    // The row is written after the answer: wait for it.
    const logged = await vi.waitFor(async () => {
      const { data } = (await (await call('/v1/logs?integration=echo&userId=u_1')).json()) as {
        data: Array<Record<string, unknown>>
      }
      const row = data.find((log) => log.requestId === requestId)
      if (row === undefined) throw new Error('not logged yet')
      return row
    })
    expect(logged).toMatchObject({
      integration: 'echo',
      userId: 'u_1',
      method: 'GET',
      path: '/logged?secret=[redacted]&page=2',
      status: 200,
    })
    expect(logged.attempts).toBe(1)
    expect(JSON.stringify(logged)).not.toContain('good-token')
    expect(JSON.stringify(logged)).not.toContain('s3cr3t-value')
  })

  it("reports each integration's calls, errors, latency, refresh failures and circuit in its health", async () => {
    // A refresh that fails: an expired token whose provider answers 503.
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'echo',
        userId: 'u_failing',
        credentials: { accessToken: 'expired-token', refreshToken: h.provider.grant(), expiresAt: past() },
      }),
    })
    h.provider.behave({ kind: 'status', status: 503 })
    try {
      expect((await call('/v1/proxy/echo/x', { user: 'u_failing' })).headers.get('junction-error')).toBe(
        'refresh_failed',
      )
    } finally {
      h.provider.behave({ kind: 'ok' })
    }
    // Ten failed calls, all of that connection's, open its circuit (the default: at least 10 failed calls, at least
    // half of those in the window); the next call fails fast.
    for (let n = 0; n < 10; n++)
      await call('/v1/proxy/echo/always-reset', { user: 'u_stale', headers: { 'junction-retries': '0' } })
    const fast = await call('/v1/proxy/echo/x', { user: 'u_stale' })
    expect(fast.status).toBe(503)
    expect(fast.headers.get('junction-error')).toBe('circuit_open')

    await h.services.callLog.flush()
    const response = await call('/v1/health/integrations')
    expect(response.status).toBe(200)
    const { data } = (await response.json()) as { data: Array<Record<string, Record<string, unknown> | string>> }
    const echo = data.find((report) => report.integration === 'echo')!
    expect(echo.circuit).toBe('open')
    const last5m = echo.last5m as Record<string, number>
    expect(last5m.calls).toBeGreaterThan(10)
    expect(last5m.errorRate).toBeGreaterThan(0)
    expect(last5m.errorRate).toBeLessThan(1)
    expect(last5m.p95Ms).toBeGreaterThanOrEqual(last5m.p50Ms!)
    expect(last5m.refreshFailures).toBe(1)
    expect((echo.last24h as Record<string, number>).calls).toBe(last5m.calls)
    const idle = data.find((report) => report.integration === 'acme')!
    expect(idle).toMatchObject({ circuit: 'closed', last5m: { calls: 0, errorRate: null, p50Ms: null } })

    expect((await h.app.request('/metrics')).status).toBe(401)
    const metrics = await call('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const text = await metrics.text()
    expect(text).toMatch(/^junction_calls_total\{integration="echo",status_class="2xx"\} [1-9]\d*$/m)
    expect(text).toContain('junction_circuit_state{integration="echo",state="open"} 1')
    expect(text).not.toContain('good-token')
  })
})
