/**
 * `createJunction()` as an application uses it (docs/library.md): the hub app under a base path, the connection API,
 * the proxy as `fetch` and `fetchFor` (with the official Stripe SDK), `stripe()` and the typed clients, no environment
 * read, `close()`. test/stripe.test.ts covers `stripe()` and idempotency keys in depth.
 * Real parts only: an embedded database in a temporary directory, providers on 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createJunction,
  HttpError,
  isConfigError,
  isJunctionError,
  isProviderApiError,
  type Junction,
  JunctionError,
} from '../src/index.js'
import { createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { freePort, temporaryDirectory } from './helpers/cli.js'
import { type FakeTokenServer, startFakeTokenServer } from './helpers/fake-token-server.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

const encryptionKeys = `k1:${Buffer.alloc(32, 7).toString('base64')}`

/** A Slack-shaped API: `ok: false` for an unknown channel, a member list otherwise; only the imported token passes. */
async function startSlackApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const answer = (body: object) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (request.headers.authorization !== 'Bearer xoxb-library') return answer({ ok: false, error: 'invalid_auth' })
    if (request.url?.startsWith('/api/chat.postMessage')) return answer({ ok: false, error: 'channel_not_found' })
    if (request.url?.startsWith('/api/users.list?limit=2'))
      return answer({ ok: true, members: [{ id: 'U1', name: 'ada' }] })
    return answer({ ok: false, error: 'unknown_method' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

/** Polls until `check` answers something (the call log is written in batches, about once a second). */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('createJunction on an embedded data dir, mounted under /junction', () => {
  const workdir = temporaryDirectory()
  const dataDir = join(workdir.path, 'data')
  let junction: Junction
  let upstream: FakeUpstream
  let tokens: FakeTokenServer
  let slackApi: { url: string; server: Server }
  let socket: ReturnType<typeof serve>
  let publicUrl: string
  let key: string

  const options = () => ({
    config: {
      publicUrl,
      sandbox: { autoApprove: true },
      providers: {
        echo: {
          auth: { type: 'oauth2', authorizeUrl: `${tokens.url}/authorize`, tokenUrl: `${tokens.url}/token` },
          api: { baseUrl: `${upstream.url}/v2` },
        },
      },
      integrations: {
        echo: { provider: 'echo', clientId: 'echo-client', clientSecret: { env: 'ECHO_CLIENT_SECRET' } },
        billing: { provider: 'stripe', apiKey: 'sk_test_from_config', api: { baseUrl: upstream.url } },
        slack: {
          provider: 'slack',
          clientId: 'slack-client',
          clientSecret: 's',
          api: { baseUrl: `${slackApi.url}/api` },
        },
      },
    },
    dataDir,
    mode: 'development' as const,
    basePath: '/junction',
    secrets: { ECHO_CLIENT_SECRET: 'echo-client-secret' },
  })

  /** A request to the hub through `handle()`, as the application's framework would pass it. */
  const call = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
    const headers = new Headers(init.headers)
    if (init.auth !== false) headers.set('authorization', `Bearer ${key}`)
    return junction.handle(new Request(`http://127.0.0.1${path}`, { ...init, headers }))
  }

  beforeAll(async () => {
    upstream = await startUpstream()
    tokens = await startFakeTokenServer()
    slackApi = await startSlackApi()
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}/junction`
    junction = await createJunction(options())
    // The same handler on a real socket, for the browser flow (the hub calls its own sandbox over the network).
    socket = serve({ fetch: (request) => junction.handle(request), hostname: '127.0.0.1', port })
    key = readFileSync(join(dataDir, 'initial-api-key'), 'utf8').trim()
    await junction.connections.import({
      integration: 'echo',
      userId: 'u_1',
      credentials: { accessToken: 'echo-token', refreshToken: tokens.grant() },
    })
    await junction.connections.import({
      integration: 'slack',
      userId: 'u_1',
      credentials: { accessToken: 'xoxb-library' },
    })
  })
  afterAll(async () => {
    await new Promise((resolve) => socket.close(resolve))
    await junction.close()
    await upstream.close()
    await tokens.close()
    await new Promise((resolve) => slackApi.server.close(resolve))
    workdir.remove()
  })

  it('is in the mode it was given', () => {
    expect(junction.mode).toBe('development')
  })

  it('serves the hub under the base path only, /v1 behind an API key', async () => {
    expect((await call('/junction/health', { auth: false })).status).toBe(200)
    expect(await (await call('/junction/health', { auth: false })).json()).toMatchObject({ status: 'ok' })
    for (const outside of ['/health', '/junctionx/health', '/v1/connections', '/']) {
      const response = await call(outside)
      expect(response.status, outside).toBe(404)
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } })
    }
    // The dashboard is under the base path too, and sends the browser to a page under it.
    const dashboard = await call('/junction/', { auth: false })
    expect(dashboard.status).toBe(303)
    expect(dashboard.headers.get('location')).toMatch(/^(http:\/\/127\.0\.0\.1:\d+)?\/junction\//)
    expect((await call('/junction/v1/connections', { auth: false })).status).toBe(401)
    const listed = await call('/junction/v1/connections?integration=echo')
    expect(listed.status).toBe(200)
    expect(await listed.json()).toMatchObject({ data: [{ integration: 'echo', userId: 'u_1' }] })
  })

  it('makes connect links and serves the whole connect flow under the base path', async () => {
    const url = await junction.connectUrl({ integration: 'sandbox', userId: 'u_sandbox' })
    expect(url.startsWith(`${publicUrl}/connect/`)).toBe(true)
    const browser = new Browserless('http://app.invalid', { request: () => new Response(null, { status: 500 }) })
    const opened = await browser.request(url)
    expect(opened.status).toBe(302)
    // The sandbox provider lives under publicUrl too, and its redirect URI is publicUrl's /oauth/callback.
    expect(opened.location?.startsWith(`${publicUrl}/sandbox/oauth/authorize?`)).toBe(true)
    expect(new URL(opened.location!).searchParams.get('redirect_uri')).toBe(`${publicUrl}/oauth/callback`)
    const done = await browser.follow(opened.location!)
    expect(done.status).toBe(200)
    expect(done.body).toContain('Connected')
    expect(done.body).toContain('href="/junction/assets/pages.css"')
    expect((await browser.request(`${publicUrl}/assets/pages.css`)).status).toBe(200)
    expect(await junction.connections.get('sandbox', 'u_sandbox')).toMatchObject({ status: 'active' })
    const items = await junction.fetch('sandbox', 'u_sandbox', '/items')
    expect(items.status).toBe(200)
  })

  it('imports, lists, reads, refreshes and deletes connections as functions', async () => {
    const created = await junction.connections.import({
      integration: 'echo',
      userId: 'u_life',
      credentials: { accessToken: 'life-token', refreshToken: tokens.grant(), scopes: ['read'] },
    })
    expect(created).toMatchObject({ integration: 'echo', userId: 'u_life', status: 'active', scopes: ['read'] })
    expect(JSON.stringify(created)).not.toContain('life-token')
    expect(await junction.connections.get('echo', 'u_life')).toMatchObject({ userId: 'u_life' })
    const page = await junction.connections.list({ integration: 'echo', limit: 1 })
    expect(page.data).toHaveLength(1)
    expect(page.nextCursor).not.toBeNull()
    const rest = await junction.connections.list({ integration: 'echo', cursor: page.nextCursor! })
    expect([...page.data, ...rest.data].map((connection) => connection.userId)).toContain('u_life')
    await expect(junction.connections.list({ limit: 501 })).rejects.toMatchObject({ code: 'invalid_request' })

    expect(await junction.connections.token('echo', 'u_life')).toMatchObject({ accessToken: 'life-token' })
    const refreshed = await junction.connections.refresh('echo', 'u_life')
    expect(refreshed.lastRefreshedAt).not.toBeNull()
    const token = await junction.connections.token('echo', 'u_life')
    expect(tokens.issued).toContain(token.accessToken)

    // Token reads are in the call log, as over HTTP.
    const reads = await eventually(async () => {
      const logs = (await (await call('/junction/v1/logs?integration=echo&userId=u_life')).json()) as {
        data: Array<{ path: string; status: number }>
      }
      const found = logs.data.filter((row) => row.path === '(token read)')
      return found.length >= 2 ? found : undefined
    })
    expect(reads.every((row) => row.status === 200)).toBe(true)

    await junction.connections.delete('echo', 'u_life')
    const missing = await junction.connections.get('echo', 'u_life').catch((error: unknown) => error)
    expect(isJunctionError(missing) && missing.code).toBe('connection_not_found')
    await expect(
      junction.connections.import({ integration: 'echo', userId: 'bad id', credentials: { accessToken: 'x' } }),
    ).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it("fetch() calls the provider with the connection's credentials, never the caller's, and is logged", async () => {
    const response = await junction.fetch('echo', 'u_1', '/items/a%2Fb?page=2', {
      method: 'POST',
      headers: { authorization: 'Bearer not-this', 'content-type': 'application/json', 'junction-user-id': 'u_other' },
      body: JSON.stringify({ hello: 'world' }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('junction-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const echoed = (await response.json()) as {
      path: string
      query: string
      body: string
      headers: Record<string, string>
    }
    expect(echoed).toMatchObject({ path: '/v2/items/a%2Fb', query: '?page=2', body: '{"hello":"world"}' })
    expect(echoed.headers.authorization).toBe('Bearer echo-token')
    expect(echoed.headers['content-type']).toBe('application/json')
    expect(echoed.headers['junction-user-id']).toBeUndefined()

    const row = await eventually(async () => {
      const logs = (await (await call('/junction/v1/logs?integration=echo&userId=u_1')).json()) as {
        data: Array<{ path: string; method: string; status: number; attempts: number }>
      }
      return logs.data.find((entry) => entry.path === '/items/a%2Fb?page=2')
    })
    expect(row).toMatchObject({ method: 'POST', status: 200, attempts: 1 })
  })

  it('sends bodies over 1 MiB once with their length, streams included, and refuses more than 10 MiB', async () => {
    const large = new Uint8Array(2 * 1024 * 1024).fill(97)
    const sized = (await (await junction.fetch('echo', 'u_1', '/upload', { method: 'PUT', body: large })).json()) as {
      body: string
      headers: Record<string, string>
    }
    expect(sized.body.length).toBe(large.length)
    expect(sized.headers['content-length']).toBe(String(large.length))
    const chunk = new Uint8Array(700 * 1024).fill(98)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 3; index++) controller.enqueue(chunk)
        controller.close()
      },
    })
    const streamed = (await (
      await junction.fetch('echo', 'u_1', '/upload', { method: 'PUT', body: stream })
    ).json()) as {
      body: string
    }
    expect(streamed.body.length).toBe(3 * chunk.length)
    const tooLarge = await junction.fetch('echo', 'u_1', '/upload', {
      method: 'PUT',
      body: new Uint8Array(11 * 1024 * 1024),
    })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers.get('junction-error')).toBe('payload_too_large')
  })

  it('cancels the source of a streamed body that a failed call never sent', async () => {
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(256 * 1024))
      },
      cancel() {
        cancelled = true
      },
    })
    const response = await junction.fetch('echo', 'u_nobody', '/upload', { method: 'PUT', body: endless })
    expect(response.headers.get('junction-error')).toBe('connection_not_found')
    await vi.waitFor(() => expect(cancelled).toBe(true))
  })

  it("answers Junction's own failures as a Response with its error JSON and Junction-Error", async () => {
    const cases: Array<[Promise<Response>, number, string]> = [
      [junction.fetch('echo', 'u_1', '/a/../../admin'), 400, 'invalid_path'],
      [junction.fetch('echo', 'u_1', 'no-leading-slash'), 400, 'invalid_path'],
      [junction.fetch('nowhere', 'u_1', '/x'), 404, 'integration_not_found'],
      [junction.fetch('echo', 'u_nobody', '/x'), 404, 'connection_not_found'],
      [junction.fetch('echo', null, '/x'), 400, 'missing_user_id'],
      [junction.fetch('billing', null, '/silent', { headers: { 'junction-timeout-ms': '300' } }), 504, 'timeout'],
      [junction.fetch('echo', 'u_1', '/always-reset', { headers: { 'junction-retries': '0' } }), 502, 'network_error'],
    ]
    const before = upstream.arrivals.length
    for (const [pending, status, code] of cases) {
      const response = await pending
      expect(response.status, code).toBe(status)
      expect(response.headers.get('junction-error')).toBe(code)
      expect(await response.json()).toMatchObject({ error: { code } })
    }
    // Only the two calls allowed out reached the provider, the reset one exactly once (no retries).
    const reached = upstream.arrivals.slice(before).map((arrival) => arrival.path)
    expect(reached.sort()).toEqual(['/silent', '/v2/always-reset'])
  })

  it('fetchFor() refuses URLs outside the base URL, sending nothing, and drops the SDK credentials', async () => {
    const echoFetch = junction.fetchFor('echo', 'u_1')
    const before = upstream.arrivals.length
    for (const outside of [
      'https://evil.example/v2/items',
      `${upstream.url}/v3/items`,
      `${upstream.url}/v2x/items`,
      `${upstream.url}/v2/../admin`,
      '/v2/items',
    ]) {
      const refused = await echoFetch(outside).catch((error: unknown) => error)
      expect(refused, outside).toBeInstanceOf(JunctionError)
      expect((refused as JunctionError).code).toMatch(/^invalid_(path|request)$/)
    }
    expect(upstream.arrivals.length).toBe(before)
    expect(() => junction.fetchFor('nowhere')).toThrow(/no integration is named nowhere/)

    const response = await echoFetch(new URL(`${upstream.url}/v2/items?x=1`), {
      headers: { authorization: 'Bearer sdk-own-key' },
    })
    const echoed = (await response.json()) as { path: string; query: string; headers: Record<string, string> }
    expect(echoed).toMatchObject({ path: '/v2/items', query: '?x=1' })
    expect(echoed.headers.authorization).toBe('Bearer echo-token')
    const viaRequest = await echoFetch(
      new Request(`${upstream.url}/v2/things`, { method: 'PUT', body: 'raw', headers: { authorization: 'Basic x' } }),
    )
    const fromRequest = (await viaRequest.json()) as { method: string; body: string; headers: Record<string, string> }
    expect(fromRequest).toMatchObject({ method: 'PUT', body: 'raw' })
    expect(fromRequest.headers.authorization).toBe('Bearer echo-token')
  })

  it('runs the official Stripe SDK through fetchFor, with the configured secret key instead of its own', async () => {
    const port = Number(new URL(upstream.url).port)
    const stripe = new Stripe('sk_test_placeholder_never_sent', {
      httpClient: Stripe.createFetchHttpClient(junction.fetchFor('billing')),
      maxNetworkRetries: 0,
      host: '127.0.0.1',
      port,
      protocol: 'http',
    })
    const before = upstream.arrivals.length
    const created = (await stripe.customers.create({
      email: 'ada@example.com',
      metadata: { plan: 'pro' },
    })) as unknown as {
      path: string
      body: string
      headers: Record<string, string>
    }
    expect(created.path).toBe('/v1/customers')
    expect(new URLSearchParams(created.body).get('metadata[plan]')).toBe('pro')
    expect(created.headers.authorization).toBe('Bearer sk_test_from_config')
    expect(JSON.stringify(created)).not.toContain('sk_test_placeholder_never_sent')
    const listed = (await stripe.customers.list({ limit: 3 })) as unknown as { path: string; query: string }
    expect(listed).toMatchObject({ path: '/v1/customers', query: '?limit=3' })
    expect(upstream.arrivals.length - before).toBe(2)
  })

  it('offers clients: Stripe’s own SDK (form-encoded, the caller’s idempotency key), Slack with ok:false as an error', async () => {
    const customer = (await junction
      .stripe({ integration: 'billing' })
      .customers.create(
        { email: 'ada@example.com', metadata: { plan: 'pro' } },
        { idempotencyKey: 'k-1' },
      )) as unknown as {
      body: string
      headers: Record<string, string>
    }
    expect(new URLSearchParams(customer.body).get('metadata[plan]')).toBe('pro')
    expect(customer.headers['idempotency-key']).toBe('k-1')
    expect(customer.headers['content-type']).toBe('application/x-www-form-urlencoded')

    const slack = junction.slack('u_1')
    expect((await slack.users.list({ limit: 2 })).members).toEqual([{ id: 'U1', name: 'ada' }])
    const failed = await slack.chat.postMessage({ channel: 'C404', text: 'hi' }).catch((error: unknown) => error)
    expect(isProviderApiError(failed)).toBe(true)
    expect(failed).toMatchObject({ code: 'provider_error', providerError: 'channel_not_found' })

    // A provider's non-2xx is an HttpError; Junction's own refusal a JunctionError with its code.
    const notFound = await junction
      .hubspot('u_1', { integration: 'echo' })
      .request({ path: '/always-401', headers: { 'junction-retries': '0' } })
      .catch((e: unknown) => e)
    expect(notFound).toBeInstanceOf(HttpError)
    expect((notFound as HttpError).status).toBe(401)
    const refused = await junction
      .google('u_nobody', { integration: 'echo' })
      .userInfo()
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'connection_not_found' })
  })
})

describe('createJunction options', () => {
  const workdir = temporaryDirectory()
  afterAll(() => workdir.remove())

  it('reads no environment variable, even garbage ones that junction start would refuse', async () => {
    for (const [name, value] of Object.entries({
      JUNCTION_PORT: 'not-a-port',
      JUNCTION_DATABASE_URL: 'mysql://nope',
      JUNCTION_ENCRYPTION_KEYS: 'garbage',
      JUNCTION_PUBLIC_URL: 'not a url',
      JUNCTION_CONFIG: '/nowhere/junction.config.json',
      JUNCTION_SANDBOX: 'maybe',
      NODE_ENV: 'production',
    }))
      vi.stubEnv(name, value)
    try {
      const junction = await createJunction({
        config: { publicUrl: 'http://localhost:3000/' },
        dataDir: join(workdir.path, 'env'),
        mode: 'development',
        basePath: '/',
        secrets: { JUNCTION_DATABASE_URL: 'mysql://also-ignored' },
      })
      try {
        expect(junction.mode).toBe('development')
        expect((await junction.handle(new Request('http://localhost:3000/health'))).status).toBe(200)
      } finally {
        await junction.close()
      }
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('refuses a publicUrl without the base path, production without keys, and no database, saying which option', async () => {
    const base = { config: { publicUrl: 'https://app.example.com' }, dataDir: join(workdir.path, 'refused') }
    const attempts = [
      createJunction({ ...base, mode: 'development', basePath: '/junction' }),
      createJunction({ ...base, mode: 'production', basePath: '/' }),
      createJunction({ config: {}, mode: 'production', basePath: '/', encryptionKeys }),
      createJunction({ ...base, mode: 'production', basePath: '/', encryptionKeys: 'k1:short' }),
    ]
    const messages = []
    for (const attempt of attempts) {
      const error = await attempt.catch((thrown: unknown) => thrown)
      expect(isConfigError(error)).toBe(true)
      messages.push((error as Error).message)
    }
    expect(messages[0]).toMatch(/^config error at publicUrl: must end with the basePath \/junction/)
    expect(messages[1]).toMatch(/^config error at encryptionKeys: required in production/)
    expect(messages[2]).toMatch(/^config error at dataDir: required: dataDir .* or databaseUrl/)
    expect(messages[3]).toMatch(/^config error at encryptionKeys:/)
  })

  it('needs neither basePath nor publicUrl for the functions; handle() and connectUrl() name the missing one', async () => {
    const api = createServer((request, response) =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path: request.url, key: request.headers['x-api-key'] })),
    )
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    const open = (options: { basePath?: string; publicUrl?: string }) =>
      createJunction({
        config: {
          ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
          providers: { acme: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: apiUrl } } },
          integrations: { acme: { provider: 'acme' } },
        },
        dataDir: join(workdir.path, 'unmounted'),
        mode: 'development',
        ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
      })
    try {
      const bare = await open({})
      try {
        await bare.connections.import({ integration: 'acme', userId: 'u_1', credentials: { apiKey: 'acme-key' } })
        const response = await bare.fetch('acme', 'u_1', '/me')
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ path: '/me', key: 'acme-key' })
        await expect(bare.handle(new Request('http://localhost:3000/health'))).rejects.toThrow(
          /^config error at basePath: required by handle\(\): the path where handle\(\) is mounted, e\.g\. \/junction$/,
        )
        const refused = await bare.connectUrl({ integration: 'acme', userId: 'u_1' }).catch((error: unknown) => error)
        expect(isConfigError(refused)).toBe(true)
        expect((refused as Error).message).toMatch(/^config error at basePath: required by connectUrl\(\)/)
      } finally {
        await bare.close()
      }
      // A base path alone does not say where the app is reached: publicUrl is asked for, with the base path in the hint.
      const halfway = await open({ basePath: '/junction' })
      try {
        await expect(halfway.handle(new Request('http://localhost:3000/junction/health'))).rejects.toThrow(
          /^config error at publicUrl: required by handle\(\): the URL at which handle\(\) is reached, e\.g\. https:\/\/app\.example\.com\/junction/,
        )
        await expect(halfway.connectUrl({ integration: 'acme', userId: 'u_1' })).rejects.toThrow(
          /^config error at publicUrl: required by connectUrl\(\)/,
        )
      } finally {
        await halfway.close()
      }
      const mounted = await open({ basePath: '/junction', publicUrl: 'http://localhost:3000/junction' })
      try {
        expect((await mounted.handle(new Request('http://localhost:3000/junction/health'))).status).toBe(200)
      } finally {
        await mounted.close()
      }
      // The same publicUrl from a config file.
      const configFile = join(workdir.path, 'mounted.config.json')
      writeFileSync(configFile, JSON.stringify({ publicUrl: 'http://localhost:3000/junction' }))
      const fromFile = await createJunction({
        config: configFile,
        dataDir: join(workdir.path, 'unmounted'),
        mode: 'development',
        basePath: '/junction',
      })
      try {
        expect((await fromFile.handle(new Request('http://localhost:3000/junction/health'))).status).toBe(200)
      } finally {
        await fromFile.close()
      }
    } finally {
      await new Promise((resolve) => api.close(resolve))
    }
  })

  it('close() stops the hub and releases the data dir for the next one; twice is safe', async () => {
    const dataDir = join(workdir.path, 'reopen')
    const open = () =>
      createJunction({
        config: { publicUrl: 'https://app.example.com/junction' },
        dataDir,
        encryptionKeys,
        mode: 'production',
        basePath: '/junction',
      })
    const first = await open()
    await expect(open()).rejects.toThrow(/data dir in use by junction/)
    await Promise.all([first.close(), first.close()])
    await first.close()
    const afterClose = await first.handle(new Request('https://app.example.com/junction/health'))
    expect(afterClose.status).toBe(503)
    expect(afterClose.headers.get('junction-error')).toBe('unavailable')
    expect((await first.fetch('any', 'u_1', '/x')).headers.get('junction-error')).toBe('unavailable')
    await expect(first.connections.list()).rejects.toMatchObject({ code: 'unavailable' })

    const second = await open()
    try {
      expect(second.mode).toBe('production')
      expect((await second.handle(new Request('https://app.example.com/junction/health'))).status).toBe(200)
      // Production makes no first API key: /v1 refuses until one is created.
      expect((await second.handle(new Request('https://app.example.com/junction/v1/connections'))).status).toBe(401)
    } finally {
      await second.close()
    }
  })
})

describe.skipIf(postgresAdminUrl() === null)('createJunction on PostgreSQL', () => {
  it('runs on a databaseUrl, beside a second instance on the same database', async () => {
    const database = await createPostgresDatabase(postgresAdminUrl()!)
    const open = () =>
      createJunction({
        config: {
          publicUrl: 'https://app.example.com/junction',
          providers: {
            acme: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: 'https://api.acme.example' } },
          },
          integrations: { acme: { provider: 'acme' } },
        },
        databaseUrl: database.url,
        encryptionKeys,
        mode: 'production',
        basePath: '/junction',
      })
    const [first, second] = [await open(), await open()]
    try {
      await first.connections.import({ integration: 'acme', userId: 'u_pg', credentials: { apiKey: 'acme-key' } })
      expect(await second.connections.get('acme', 'u_pg')).toMatchObject({ provider: 'acme', status: 'active' })
      await expect(second.connections.token('acme', 'u_pg')).rejects.toMatchObject({ code: 'not_token_based' })
      expect((await first.handle(new Request('https://app.example.com/junction/health'))).status).toBe(200)
    } finally {
      await first.close()
      await second.close()
      await database.drop()
    }
  })
})
