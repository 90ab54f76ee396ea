/**
 * Every way PostgreSQL can go away, checked against what the README promises ("What a crash or an outage may lose",
 * "PostgreSQL timeouts"). A hub runs in this process, served on a real socket, over a database reached only through a
 * TCP proxy, with 1 s timeouts taken from the URL. For each fault (connections refused, reset, black-holed, stalled,
 * or answered 1.5 s per chunk, past the query timeout), held for a few seconds:
 * - what needs no database keeps serving: a proxied call for a connection used just before, and an app-level call;
 * - what needs it answers 503 `unavailable` promptly, never a hang or a 500, and `/health` answers 503;
 * - once the database is back the hub recovers by itself within 30 s;
 * - nothing the contract keeps is lost: the call-log rows of the calls made during the fault, a connect flow started
 *   before it, a refresh the provider answered during it.
 * A reset is an instant, not a state: the connections in use are reset while requests wait on them (the proxy stalls
 * first, so that they do), and new ones are accepted at once. Those requests fail or are served; nothing hangs and
 * nothing answers 500, and the hub needs no recovery time.
 */

import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import type { Hub } from '../../src/hub/hub.js'
import { openHub } from '../../src/hub/open-hub.js'
import { listen, type RunningServer } from '../../src/server/serve.js'
import { findConnection } from '../../src/storage/connections-store.js'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/backends.js'
import { Browserless } from '../helpers/browserless.js'
import { capturedLogger } from '../helpers/captured-logger.js'
import { freePort, temporaryDirectory } from '../helpers/cli.js'
import { type FakeTokenServer, startFakeTokenServer } from '../helpers/fake-token-server.js'
import { type FakeUpstream, startUpstream } from '../helpers/fake-upstream.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/** The hub's timeouts here, through the database URL's own parameters (production: 10 s and 5 s). */
const queryTimeoutMs = 1_000
const connectTimeoutMs = 1_000
/** A request takes at most a few bounded steps (a wait for a connection, a connect, a query): past this it is slow. */
const promptMs = 5 * (queryTimeoutMs + connectTimeoutMs)
/** Past this a request counts as hung. */
const hangMs = 30_000
/** How long each fault is held. */
const faultMs = 3_000
/** Specification, not measurement: the README's "recovers by itself", bounded. */
const recoveryMs = 30_000

interface Mode {
  name: string
  /** Whether the database stays away until restore() (a reset is over at once). */
  away: boolean
  /** Starts the fault; `requestsWaiting` resolves once requests that need the database were sent. */
  begin(tcp: TcpProxy, requestsWaiting: Promise<void>): Promise<void>
}

const modes: Mode[] = [
  { name: 'refused (cut)', away: true, begin: async (tcp) => tcp.cut() },
  {
    name: 'reset',
    away: false,
    async begin(tcp, requestsWaiting) {
      tcp.stall()
      await requestsWaiting
      await pause(300)
      tcp.reset()
    },
  },
  { name: 'black-holed', away: true, begin: async (tcp) => tcp.blackhole() },
  { name: 'stalled', away: true, begin: async (tcp) => tcp.stall() },
  { name: 'slow (1.5 s per chunk)', away: true, begin: async (tcp) => tcp.slow(1_500) },
]

interface Answer {
  what: string
  status: number | 'hung' | 'closed'
  error: string | null
  requestId: string | null
  body: string
  ms: number
}

describe.runIf(postgresAdminUrl() !== null).each(modes)('the database $name', { timeout: 120_000 }, (mode) => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let upstream: FakeUpstream
  let tokens: FakeTokenServer
  let hub: Hub
  let app: Hono
  let server: RunningServer
  let publicUrl: string
  let key: string
  const workdir = temporaryDirectory()
  const log = capturedLogger()

  /** What happened while the database was away, asserted by the tests below. */
  const seen = {
    warm: [] as Answer[],
    needsDatabase: [] as Answer[],
    health: undefined as Answer | undefined,
    callbackDuring: undefined as Answer | undefined,
    refreshDuring: undefined as Answer | undefined,
    flowBefore: undefined as { browser: Browserless; callback: string } | undefined,
    flowDuring: undefined as { browser: Browserless; callback: string } | undefined,
    refresh: undefined as { versionBefore: number; rotatedAccess: string; rotatedRefresh: string } | undefined,
    restoredAt: 0,
  }

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    viaProxy.searchParams.set('query_timeout', String(queryTimeoutMs))
    viaProxy.searchParams.set('statement_timeout', String(queryTimeoutMs - 200))
    viaProxy.searchParams.set('connect_timeout', String(connectTimeoutMs / 1_000))
    upstream = await startUpstream()
    tokens = await startFakeTokenServer()
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    const options = loadConfig({
      cwd: workdir.path,
      env: {
        JUNCTION_DATABASE_URL: viaProxy.toString(),
        JUNCTION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        JUNCTION_PORT: String(port),
        JUNCTION_PUBLIC_URL: publicUrl,
      },
      file: {
        providers: {
          keyedapp: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/app` } },
          userapi: {
            auth: { type: 'oauth2', authorizeUrl: `${tokens.url}/authorize`, tokenUrl: `${tokens.url}/token` },
            api: { baseUrl: `${upstream.url}/user` },
          },
        },
        integrations: {
          keyedapp: { provider: 'keyedapp', apiKey: 'app-level-key' },
          userapi: { provider: 'userapi', clientId: 'user-client', clientSecret: 'user-client-secret' },
        },
      },
    })
    hub = await openHub(options, log.logger, {
      tuning: {
        // Past the credential cache's lifetime within the fault: a warm call is served by the outage grace.
        credentialCache: { ttlMs: 1_000, outageGraceMs: 60_000 },
        refresh: { leaseMs: 10_000, tokenTimeoutMs: 5_000, pollMs: 20, cooldownBaseMs: 1_000 },
        connect: { tokenTimeoutMs: 5_000 },
      },
    })
    app = hub.app()
    server = await listen(app, { host: '127.0.0.1', port })
    key = (await hub.apiKeys.create('faults')).key
    await runTheFault()
  }, 120_000)
  afterAll(async () => {
    tcp?.restore()
    await server?.close(100)
    await hub?.close()
    await upstream?.close()
    await tokens?.close()
    await tcp?.close()
    await created?.drop()
    workdir.remove()
  })

  /** A request to the served hub, timed; a hang is reported as such, not awaited. */
  const ask = async (what: string, path: string, init: RequestInit = {}): Promise<Answer> => {
    const headers = new Headers(init.headers)
    if (!path.startsWith('/health')) headers.set('authorization', `Bearer ${key}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    const started = performance.now()
    try {
      const response = await fetch(`${publicUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(hangMs) })
      const body = await response.text()
      return {
        what,
        status: response.status,
        error: response.headers.get('junction-error'),
        requestId: response.headers.get('junction-request-id'),
        body,
        ms: performance.now() - started,
      }
    } catch (error) {
      const hung = error instanceof Error && error.name === 'TimeoutError'
      return { what, status: hung ? 'hung' : 'closed', error: null, requestId: null, body: '', ms: hangMs }
    }
  }
  let serial = 0
  /** The four requests that need the database, each with fresh values. */
  const needingTheDatabase = () => {
    const n = serial++
    return [
      ask('import', '/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration: 'userapi', userId: `u_new_${n}`, credentials: { accessToken: 'x' } }),
      }),
      ask('connect session', '/v1/connect-sessions', {
        method: 'POST',
        body: JSON.stringify({ integration: 'sandbox', userId: `u_session_${n}` }),
      }),
      ask('cold token read', `/v1/connections/userapi/u_cold_${n % 2}/token`),
      ask('logs', '/v1/logs'),
    ]
  }
  const warmCalls = () => [
    ask('warm connection', '/v1/proxy/userapi/items', { headers: { 'junction-user-id': 'u_warm' } }),
    ask('app-level', '/v1/proxy/keyedapp/items'),
  ]
  const importConnection = async (integration: string, userId: string, credentials: object) => {
    const answer = await ask('import', '/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration, userId, credentials }),
    })
    expect(answer.status).toBe(201)
  }

  /** The sandbox connect flow up to the provider's consent: needs the database (session, link). */
  const startFlow = async (userId: string) => {
    const link = await ask('connect session', '/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'sandbox', userId }),
    })
    expect(link.status).toBe(201)
    const browser = new Browserless(publicUrl, app)
    const opened = await browser.request((JSON.parse(link.body) as { url: string }).url)
    expect(opened.status).toBe(302)
    return { browser, authorize: opened.location! }
  }
  /** The consent at the sandbox provider: needs no database of the hub's. Answers the callback URL. */
  const consent = async (flow: { browser: Browserless; authorize: string }) => {
    const page = await flow.browser.request(flow.authorize)
    expect(page.status).toBe(200)
    const form = /<form method="post" action="decision">(.*?)<\/form>/s.exec(page.body)?.[1] ?? ''
    const fields = Object.fromEntries(
      [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((match) => [
        match[1],
        match[2]?.replace(/&#38;/g, '&'),
      ]),
    )
    const decided = await flow.browser.request(`${publicUrl}/sandbox/oauth/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, decision: 'approve' }).toString(),
    })
    expect(decided.status).toBe(302)
    return { browser: flow.browser, callback: decided.location! }
  }
  const callback = async (flow: { browser: Browserless; callback: string }): Promise<Answer> => {
    const started = performance.now()
    const step = await flow.browser.request(flow.callback)
    return {
      what: 'callback',
      status: step.status,
      error: step.headers.get('junction-error'),
      requestId: null,
      body: step.body,
      ms: performance.now() - started,
    }
  }

  async function runTheFault() {
    // Before: a connection used just now (warm), two not used since their import (cold), one whose access token
    // has expired (refreshed during the fault), and two connect flows up to the provider's consent.
    await importConnection('userapi', 'u_warm', {
      accessToken: 'warm-access',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    })
    await importConnection('userapi', 'u_cold_0', { accessToken: 'cold-access' })
    await importConnection('userapi', 'u_cold_1', { accessToken: 'cold-access' })
    await importConnection('userapi', 'u_refresh', {
      accessToken: 'expired-access',
      refreshToken: tokens.grant(),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    })
    for (const answer of await Promise.all(warmCalls())) expect(answer.status).toBe(200)
    const before = await startFlow('u_flow_before')
    const during = await startFlow('u_flow_during')
    const versionBefore = (await findConnection(hub.database.db, 'userapi', 'u_refresh'))!.credentials_version

    // The provider takes 400 ms to answer a refresh; the fault begins once the refresh has reached it.
    tokens.behave({ kind: 'slow', ms: 400 })
    const refreshing = ask('refresh', '/v1/connections/userapi/u_refresh/token')
    const deadline = performance.now() + hangMs
    while (tokens.calls.length === 0 && performance.now() < deadline) await pause(5)
    expect(tokens.calls).toHaveLength(1)

    let sent!: () => void
    const requestsWaiting = new Promise<void>((resolve) => {
      sent = resolve
    })
    const beginning = mode.begin(tcp, requestsWaiting)
    const faultFrom = performance.now()
    const needsDatabase = Promise.all(needingTheDatabase())
    const health = ask('health', '/health')
    // Let the requests reach the proxy before a reset hits them.
    await pause(100)
    sent()
    await beginning
    const flowBefore = consent(before)
    const flowDuring = consent(during).then(async (flow) => {
      seen.callbackDuring = await callback(flow)
      return flow
    })
    while (performance.now() - faultFrom < faultMs) {
      seen.warm.push(...(await Promise.all(warmCalls())))
      await pause(200)
    }
    seen.needsDatabase = await needsDatabase
    seen.health = await health
    seen.flowBefore = await flowBefore
    seen.flowDuring = await flowDuring
    seen.refreshDuring = await refreshing
    tcp.restore()
    seen.restoredAt = performance.now()
    tokens.behave({ kind: 'ok' })
    seen.refresh = {
      versionBefore,
      rotatedAccess: tokens.issued.at(-1)!,
      rotatedRefresh: tokens.refreshTokens.at(-1)!,
    }
  }

  /** Waits until the hub answers /health 200 (it recovers by itself; the bound is the README's). */
  const recovered = async () => {
    for (;;) {
      if ((await ask('health', '/health')).status === 200) return
      if (performance.now() - seen.restoredAt > recoveryMs) throw new Error('the hub did not recover within 30 s')
      await pause(200)
    }
  }

  it('keeps answering a warm connection and an app-level integration 200 while the database is away', () => {
    expect(seen.warm.length).toBeGreaterThanOrEqual(4)
    expect(seen.warm.filter((answer) => answer.status !== 200)).toEqual([])
    expect(seen.warm.filter((answer) => answer.requestId === null)).toEqual([])
    // Within the bound of the database's timeouts: a stale entry is tried against the database first.
    expect(seen.warm.filter((answer) => answer.ms > promptMs)).toEqual([])
  })

  it('answers /health 503 while the database is away, not a hang', () => {
    const health = seen.health!
    expect(health.ms).toBeLessThan(promptMs)
    if (mode.away) {
      expect(health.status).toBe(503)
      expect(JSON.parse(health.body)).toMatchObject({ status: 'unavailable', database: 'unavailable' })
    } else {
      expect([200, 503]).toContain(health.status)
    }
  })

  it('answers an import, a connect session, a cold token read and the logs 503 unavailable, promptly', () => {
    const answers = seen.needsDatabase
    expect(answers.map((answer) => answer.what)).toEqual(['import', 'connect session', 'cold token read', 'logs'])
    expect(answers.filter((answer) => answer.ms > promptMs)).toEqual([])
    const refused = answers.filter((answer) => answer.status === 503)
    expect(refused.filter((answer) => answer.error !== 'unavailable')).toEqual([])
    for (const answer of refused) expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unavailable' } })
    if (mode.away) {
      expect(refused).toHaveLength(answers.length)
    } else {
      // Caught by the reset: failed (503 unavailable) or served on a new connection, never a 500.
      expect(answers.filter((answer) => answer.status !== 503 && (answer.status as number) >= 300)).toEqual([])
      expect(refused.length).toBeGreaterThan(0)
    }
  })

  it('recovers by itself within 30 s of the database return: /health and each of those requests succeed', async () => {
    await recovered()
    for (;;) {
      const answers = await Promise.all(needingTheDatabase())
      const failing = answers.filter((answer) => answer.status !== 200 && answer.status !== 201)
      if (failing.length === 0) break
      if (performance.now() - seen.restoredAt > recoveryMs) expect(failing).toEqual([])
      await pause(200)
    }
    expect(performance.now() - seen.restoredAt).toBeLessThan(recoveryMs)
  })

  it('writes the call-log row of every proxied call made during the fault once the database is back', async () => {
    await recovered()
    const ids = seen.warm.map((answer) => answer.requestId!)
    const count = async () =>
      (
        await hub.database.db
          .selectFrom('api_logs')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('request_id', 'in', ids)
          .executeTakeFirstOrThrow()
      ).n
    for (;;) {
      const n = Number(await count().catch(() => -1))
      if (n === ids.length) break
      if (performance.now() - seen.restoredAt > recoveryMs) expect(n).toBe(ids.length)
      await pause(200)
    }
    expect(hub.services.callLog.dropped).toBe(0)
  })

  it('completes a connect flow started before the fault, its consent given during it', async () => {
    await recovered()
    const done = await callback(seen.flowBefore!)
    expect(done.status).toBe(200)
    expect(done.body).toContain('connected')
    const connection = await ask('connection', '/v1/connections/sandbox/u_flow_before')
    expect(connection.status).toBe(200)
    expect(JSON.parse(connection.body)).toMatchObject({ status: 'active' })
  })

  it('answers a callback during the fault 503 unavailable, makes nothing half-made, and lets the user start again', async () => {
    const during = seen.callbackDuring!
    expect(during.ms).toBeLessThan(promptMs)
    if (mode.away) {
      expect(during.status).toBe(503)
      expect(during.error).toBe('unavailable')
      await recovered()
      expect((await ask('connection', '/v1/connections/sandbox/u_flow_during')).status).toBe(404)
      // The same callback again: the flow finishes if the refused one never reached the database; if it did (a
      // slowed database runs what Junction gave up waiting for), the state is used up and the link says so.
      const again = await callback(seen.flowDuring!)
      expect([200, 400]).toContain(again.status)
      if (again.status === 400) {
        expect(again.body).toContain('invalid_state')
        expect((await ask('connection', '/v1/connections/sandbox/u_flow_during')).status).toBe(404)
        const restarted = await consent(await startFlow('u_flow_during'))
        expect((await callback(restarted)).status).toBe(200)
      }
    } else {
      expect(during.status).toBe(200)
    }
    const connection = await ask('connection', '/v1/connections/sandbox/u_flow_during')
    expect(connection.status).toBe(200)
    expect(JSON.parse(connection.body)).toMatchObject({ status: 'active' })
  })

  it('serves the refresh answered during the fault, writes it once the database is back, and refreshes with it', async () => {
    const { versionBefore, rotatedAccess, rotatedRefresh } = seen.refresh!
    expect(seen.refreshDuring?.status).toBe(200)
    expect(JSON.parse(seen.refreshDuring!.body)).toMatchObject({ accessToken: rotatedAccess })
    await recovered()
    for (;;) {
      const stored = await findConnection(hub.database.db, 'userapi', 'u_refresh').catch(() => undefined)
      if (stored?.credentials_version === versionBefore + 1) break
      if (performance.now() - seen.restoredAt > recoveryMs) expect(stored?.credentials_version).toBe(versionBefore + 1)
      await pause(100)
    }
    const token = await ask('token', '/v1/connections/userapi/u_refresh/token')
    expect(JSON.parse(token.body)).toMatchObject({ accessToken: rotatedAccess })
    // The provider retired the refresh token it was sent: the next refresh must send the one it answered.
    const refreshed = await ask('refresh', '/v1/connections/userapi/u_refresh/refresh', { method: 'POST' })
    expect(refreshed.status).toBe(200)
    expect(tokens.calls.at(-1)?.form.refresh_token).toBe(rotatedRefresh)
  })
})

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
