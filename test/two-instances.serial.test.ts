/**
 * Running in production (docs/production.md): two `junction start` processes in production mode on one PostgreSQL
 * and one Redis, behind a round-robin balancer with no sticky sessions, whose URL is the hubs' `publicUrl`. A connect
 * flow started on one hub completes on the other, a rate limit holds across both, an expired token is refreshed
 * once, and every event is attempted once, while both hubs run their delivery workers.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { postgresAdminUrl } from './helpers/backends.js'
import { Browserless, type BrowserStep } from './helpers/browserless.js'
import { type RunningHub, runJunction, startHub, temporaryDirectory } from './helpers/cli.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'
import { type FakeTokenServer, startFakeTokenServer } from './helpers/fake-token-server.js'
import { type FakeUpstream, maxInWindow, startUpstream } from './helpers/fake-upstream.js'
import { type OidcServer, startOidcServer } from './helpers/oidc-server.js'
import { createPostgresDatabase } from './helpers/postgres-admin.js'
import { type RoundRobinProxy, startRoundRobinProxy } from './helpers/round-robin-proxy.js'

const redisUrl = inject('redisUrl')
const adminUrl = postgresAdminUrl()
const limit = { requestsPerSecond: 10, burst: 2 }
/** Generous: how long a busy machine may take to deliver a handful of events (the schedule's first try is at once). */
const deliveredWithinMs = 90_000

interface EventView {
  id: string
  type: string
  data: { userId?: string }
  delivery: { status: string; attempts: number }
}

describe.runIf(redisUrl !== null && adminUrl !== null)('two hubs behind a round-robin balancer', () => {
  let balancer: RoundRobinProxy
  let oidc: OidcServer
  let tokens: FakeTokenServer
  let upstream: FakeUpstream
  let receiver: EventReceiver
  let hubs: RunningHub[] = []
  let headers: Record<string, string>
  let dataDir: string
  /** Unique per run: the Redis bucket is keyed by the integration, and Redis is shared with other suites. */
  const limited = `limited_${randomBytes(4).toString('hex')}`
  const cleanUps: Array<() => Promise<void> | void> = []

  beforeAll(async () => {
    balancer = await startRoundRobinProxy()
    cleanUps.push(() => balancer.close())
    oidc = await startOidcServer(`${balancer.url}/oauth/callback`)
    cleanUps.push(() => oidc.close())
    tokens = await startFakeTokenServer()
    cleanUps.push(() => tokens.close())
    upstream = await startUpstream()
    cleanUps.push(() => upstream.close())
    receiver = await startEventReceiver()
    cleanUps.push(() => receiver.close())
    const database = await createPostgresDatabase(adminUrl!)
    cleanUps.push(() => database.drop())
    const workdir = temporaryDirectory()
    cleanUps.push(() => workdir.remove())
    dataDir = join(workdir.path, 'data')

    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(
      config,
      JSON.stringify({
        publicUrl: balancer.url,
        // Production refuses plain http and private addresses; every server here is on 127.0.0.1 over http.
        egress: { allowHttp: true, allowPrivateNetworks: true },
        events: { url: receiver.url },
        providers: {
          oidc: {
            auth: {
              type: 'oauth2',
              issuer: oidc.issuer,
              authorizeUrl: `${oidc.issuer}/auth`,
              tokenUrl: `${oidc.issuer}/token`,
            },
            api: { baseUrl: `${oidc.issuer}/me` },
          },
          acme: {
            auth: { type: 'oauth2', authorizeUrl: `${tokens.url}/authorize`, tokenUrl: `${tokens.url}/token` },
            api: { baseUrl: `${upstream.url}/acme` },
          },
          [limited]: {
            auth: { type: 'api_key', header: 'x-api-key' },
            api: { baseUrl: `${upstream.url}/items` },
            rateLimit: { ...limit, per: 'integration' },
          },
        },
        integrations: {
          oidc: { provider: 'oidc', clientId: oidc.clientId, clientSecret: oidc.clientSecret, scopes: ['openid'] },
          acme: { provider: 'acme', clientId: 'c', clientSecret: 's' },
          [limited]: { provider: limited, apiKey: 'app-key' },
        },
      }),
    )
    const env = {
      NODE_ENV: 'production',
      JUNCTION_DATABASE_URL: database.url,
      JUNCTION_REDIS_URL: redisUrl!,
      JUNCTION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      JUNCTION_EVENTS_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      JUNCTION_DATA_DIR: dataDir,
      JUNCTION_CONFIG: config,
    }
    // Production starts only once an API key exists.
    const created = await runJunction(['keys', 'create', 'two-instances'], { cwd: workdir.path, env })
    expect(created.code, created.stderr).toBe(0)
    headers = { authorization: `Bearer ${created.stdout.trim()}`, 'content-type': 'application/json' }
    hubs = await Promise.all([startHub({ cwd: workdir.path, env }), startHub({ cwd: workdir.path, env })])
    cleanUps.push(() => Promise.all(hubs.map((hub) => hub.stop())).then(() => undefined))
    balancer.route(hubs.map((hub) => hub.url))
  }, 120_000)

  afterAll(async () => {
    // Hubs first (they hold the database), then the servers they call, then the database and the files.
    for (const cleanUp of cleanUps.reverse()) await cleanUp()
  })

  /** Through the balancer, as the app would call the hub. */
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${balancer.url}${path}`, { ...init, headers: { ...headers, ...init.headers } })

  it('run in production mode, and leave the data dir untouched on PostgreSQL', () => {
    for (const hub of hubs) expect(hub.output()).toContain('"mode":"production"')
    expect(existsSync(dataDir)).toBe(false)
  })

  it('complete a connect flow started on one hub on the other, and both see the connection', async () => {
    const browser = new Browserless(balancer.url, {
      request: (path, init) => fetch(`${balancer.url}${path}`, { ...init, redirect: 'manual' }),
    })
    const session = await call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'oidc', userId: 'u_flow' }),
    })
    expect(session.status).toBe(201)
    const link = ((await session.json()) as { url: string }).url
    expect(link.startsWith(`${balancer.url}/connect/`)).toBe(true)

    const isCallback = (url: URL) => url.origin === balancer.url && url.pathname === '/oauth/callback'
    const opened = await browser.request(link)
    expect(opened.status).toBe(302)
    let step: BrowserStep = await browser.follow(opened.location!, isCallback)
    // The provider's login page, then its consent page.
    for (let page = 0; page < 3 && !(step.location !== undefined && isCallback(new URL(step.location))); page++) {
      const fields = step.body.includes('name="login"') ? { login: 'user-42', password: 'anything' } : {}
      step = await browser.submitForm(step, fields, isCallback)
    }
    const done = await browser.request(step.location!)
    expect(done.status, done.body).toBe(200)

    const servedBy = (path: RegExp) => balancer.served.filter((served) => path.test(served.path)).map((s) => s.target)
    const [opener] = servedBy(/^\/connect\//)
    const [finisher] = servedBy(/^\/oauth\/callback$/)
    expect(opener).toBeDefined()
    expect(finisher).toBe(1 - opener!)

    for (const hub of hubs) {
      const connection = await fetch(`${hub.url}/v1/connections/oidc/u_flow`, { headers })
      expect(connection.status).toBe(200)
      expect(await connection.json()).toMatchObject({ status: 'active', providerAccountId: 'user-42' })
    }
    const [first, second] = await Promise.all(
      hubs.map(async (hub) => {
        const answer = await fetch(`${hub.url}/v1/connections/oidc/u_flow/token`, { headers })
        expect(answer.status).toBe(200)
        return ((await answer.json()) as { accessToken: string }).accessToken
      }),
    )
    expect(first).toBe(second)
  })

  it('hold one rate limit across both hubs: never more than rate + burst in a second at the provider', async () => {
    const before = balancer.served.length
    const count = 40
    const statuses = await Promise.all(
      Array.from({ length: count }, async (_, index) => (await call(`/v1/proxy/${limited}/n/${index}`)).status),
    )
    expect(statuses).toEqual(Array(count).fill(200))
    const arrivals = upstream.arrivals.filter((arrival) => arrival.path.startsWith('/items/'))
    expect(arrivals).toHaveLength(count)
    expect(maxInWindow(arrivals, 1_000)).toBeLessThanOrEqual(limit.requestsPerSecond + limit.burst)
    // Half the calls went through each hub.
    const targets = balancer.served.slice(before).map((served) => served.target)
    expect(targets.filter((target) => target === 0)).toHaveLength(count / 2)
  }, 60_000)

  it('refresh an expired token once for concurrent calls through both hubs', async () => {
    const imported = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId: 'u_refresh',
        credentials: {
          accessToken: 'expired-access-token',
          refreshToken: tokens.grant(),
          expiresAt: new Date(Date.now() - 1_000).toISOString(),
        },
      }),
    })
    expect(imported.status).toBe(201)
    const before = balancer.served.length
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 4 < 2
          ? call('/v1/connections/acme/u_refresh/token')
          : call('/v1/proxy/acme/whoami', { headers: { 'junction-user-id': 'u_refresh' } }),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200))
    const reads = await Promise.all(
      answers.filter((answer) => answer.url.endsWith('/token')).map(async (answer) => answer.json()),
    )
    expect(tokens.calls.filter((call) => call.form.grant_type === 'refresh_token')).toHaveLength(1)
    expect(new Set(reads.map((read) => (read as { accessToken: string }).accessToken))).toEqual(
      new Set([tokens.issued[0]]),
    )
    const targets = new Set(balancer.served.slice(before).map((served) => served.target))
    expect(targets).toEqual(new Set([0, 1]))
  }, 60_000)

  it('deliver every event once, each webhook-id attempted once, while both hubs deliver', async () => {
    // Slow answers keep attempts in flight while the other hub looks for due events.
    receiver.answer(() => ({ status: 204, delayMs: 200 }))
    const users = Array.from({ length: 10 }, (_, index) => `u_event_${index}`)
    for (const userId of users) {
      const imported = await call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration: 'acme', userId, credentials: { accessToken: `at-${userId}` } }),
      })
      expect(imported.status).toBe(201)
    }
    // Every event of the run (the earlier tests' connections too) delivered, as the hubs record it.
    let events: EventView[] = []
    const deadline = Date.now() + deliveredWithinMs
    for (;;) {
      events = ((await (await call('/v1/events?limit=500')).json()) as { data: EventView[] }).data
      if (events.length > 0 && events.every((event) => event.delivery.status === 'delivered')) break
      if (Date.now() > deadline) throw new Error(`events not delivered within ${deliveredWithinMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const created = events.filter((event) => event.type === 'connection.created')
    for (const userId of users) expect(created.filter((event) => event.data.userId === userId)).toHaveLength(1)
    expect(events.filter((event) => event.delivery.attempts !== 1)).toEqual([])

    // The receiver saw each event exactly once, under its own id, and nothing else.
    const counts = receiver.countsById()
    expect([...counts.keys()].sort()).toEqual(events.map((event) => event.id).sort())
    expect([...counts].filter(([, count]) => count !== 1)).toEqual([])
    expect(receiver.requests).toHaveLength(events.length)
    expect(receiver.overlaps()).toEqual([])
    // What each hub says it delivered adds up to what arrived: no delivery was counted twice.
    const delivered = await Promise.all(hubs.map((hub) => deliveredCount(hub, headers)))
    expect(delivered[0]! + delivered[1]!).toBe(events.length)
  }, 120_000)
})

/** The sum of a hub's `junction_events_delivered_total` series (one per integration). */
async function deliveredCount(hub: RunningHub, headers: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`, { headers })).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('junction_events_delivered_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}
