/**
 * Call logs through a PostgreSQL outage: 10,000 proxied calls give 10,000 rows although PostgreSQL is cut off for
 * 5 seconds mid-run (through a TCP proxy, never the shared server). Calls whose credentials the hub holds in memory
 * (app-level integrations: a configured API key, a cached client-credentials token; a user's connection it has used
 * lately) keep answering with the provider's status; no token or secret turns up in any row or process log line.
 *
 * A connection the hub has not used lately is in the database only: while PostgreSQL is away its calls answer 503
 * `unavailable`, answered and logged, not held.
 */
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../src/storage/database.js'
import { type Backend, createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeTokenServer, startFakeTokenServer } from './helpers/fake-token-server.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const totalCalls = 10_000
const concurrency = 50
/** Calls are paced so that the run spans the outage (about 12 s at this rate, if the machine keeps up). */
const callsPerSecond = 800
const cutAfterCalls = 3_000
const outageMs = 5_000

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`
const appApiKey = secret('app-api-key')
const clientSecret = secret('client-secret')
const accessToken = secret('access-token')
const refreshToken = secret('refresh-token')

/** The three kinds of call in the run, in turn. */
const kinds = [
  { integration: 'keyedapp', user: undefined, heldInMemory: true },
  { integration: 'ccapp', user: undefined, heldInMemory: true },
  { integration: 'userapi', user: 'u_outage', heldInMemory: true },
] as const

interface Outcome {
  kind: (typeof kinds)[number]
  status: number
  error: string | null
  /** Whether the answer carried a Junction-Request-Id. */
  requestId: boolean
  startedAt: number
  endedAt: number
}

describe.runIf(postgresAdminUrl() !== null)('call logs while PostgreSQL is cut off mid-run', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let tokens: FakeTokenServer
  let upstream: FakeUpstream
  let h: ConnectionHarness
  const poolLog = capturedLogger()

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    // The hub reaches PostgreSQL only through the TCP proxy.
    const throughProxy: Backend = {
      name: 'postgres',
      open: async () => ({
        ...(await openDatabase({ backend: 'postgres', url: viaProxy.toString(), poolSize: 5 }, poolLog.logger)),
        url: viaProxy.toString(),
      }),
    }
    tokens = await startFakeTokenServer()
    upstream = await startUpstream()
    h = await openConnectionHarness(throughProxy, {
      providers: {
        keyedapp: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/keyed` } },
        ccapp: {
          auth: { type: 'oauth2_client_credentials', tokenUrl: `${tokens.url}/token` },
          api: { baseUrl: `${upstream.url}/cc` },
        },
        userapi: {
          auth: { type: 'oauth2', authorizeUrl: `${tokens.url}/authorize`, tokenUrl: `${tokens.url}/token` },
          api: { baseUrl: `${upstream.url}/user` },
        },
      },
      integrations: {
        keyedapp: { provider: 'keyedapp', apiKey: appApiKey },
        ccapp: { provider: 'ccapp', clientId: 'cc-client', clientSecret },
        userapi: { provider: 'userapi', clientId: 'user-client', clientSecret: 'user-client-secret' },
      },
    })
    const imported = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'userapi',
        userId: 'u_outage',
        credentials: { accessToken, refreshToken, expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    })
    expect(imported.status).toBe(201)
    const cold = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'userapi', userId: 'u_cold', credentials: { accessToken } }),
    })
    expect(cold.status).toBe(201)
  })
  afterAll(async () => {
    tcp?.restore()
    await h?.close()
    await upstream?.close()
    await tokens?.close()
    await tcp?.close()
    await created?.drop()
  })

  const proxied = (kind: (typeof kinds)[number], path: string) =>
    h.call(`/v1/proxy/${kind.integration}${path}`, {
      headers: kind.user === undefined ? {} : { 'junction-user-id': kind.user },
    })

  it('keeps every row, answers calls whose credentials it holds, and logs no secret', async () => {
    // Warm-up: the hub's API key check and the client-credentials token are now in memory.
    for (const kind of kinds) expect((await proxied(kind, '/warm')).status).toBe(200)
    expect(tokens.issued).toHaveLength(1)

    const outcomes: Outcome[] = []
    let coldCall: Promise<Response> | undefined
    let next = 0
    let outage: { from: number; to: number } | undefined
    let restored: Promise<void> | undefined
    const started = performance.now()
    const worker = async () => {
      for (let n = next++; n < totalCalls; n = next++) {
        const due = started + (n * 1000) / callsPerSecond
        const wait = due - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        const kind = kinds[n % kinds.length]!
        const startedAt = performance.now()
        const response = await proxied(kind, `/run/${n}`)
        await response.arrayBuffer()
        outcomes.push({
          kind,
          status: response.status,
          error: response.headers.get('junction-error'),
          requestId: response.headers.has('junction-request-id'),
          startedAt,
          endedAt: performance.now(),
        })
        if (outcomes.length === cutAfterCalls) {
          tcp.cut()
          // A connection not used lately: not held, so it cannot be read while the database is away.
          coldCall = h.call('/v1/proxy/userapi/cold', { headers: { 'junction-user-id': 'u_cold' } })
          const from = performance.now()
          outage = { from, to: Number.POSITIVE_INFINITY }
          restored = new Promise<void>((resolve) =>
            setTimeout(() => {
              tcp.restore()
              outage = { from, to: performance.now() }
              resolve()
            }, outageMs),
          )
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    await restored
    expect(outcomes).toHaveLength(totalCalls)
    const window = outage!
    // The run went on past the outage: calls were made before, during and after it.
    expect(outcomes.some((o) => o.startedAt > window.to)).toBe(true)

    const during = outcomes.filter((o) => o.startedAt >= window.from && o.endedAt <= window.to)
    const held = during.filter((o) => o.kind.heldInMemory)
    // Calls were made during the outage (hundreds on a calm machine; fewer on a busy one).
    expect(held.length).toBeGreaterThan(50)
    expect(held.filter((o) => o.status !== 200)).toEqual([])
    // Every call was answered with the provider's status.
    const answers = new Set(outcomes.map((o) => `${o.kind.integration} ${o.status} ${o.error} ${o.requestId}`))
    for (const answer of answers) expect(answer).toMatch(/^\w+ 200 null true$/)
    // The cold connection got Junction's own 503, never mistakable for the provider's.
    const cold = await coldCall
    expect(cold?.status).toBe(503)
    expect(cold?.headers.get('junction-error')).toBe('unavailable')
    expect(cold?.headers.get('junction-request-id')).not.toBeNull()
    expect(outcomes.filter((o) => o.endedAt < window.from && o.status !== 200)).toEqual([])

    // Flushed once the database is back: exactly one row per call, none dropped.
    const runRows = async () =>
      Number(
        (
          await sql<{
            n: string
          }>`select count(distinct endpoint) as n from api_logs where endpoint like '/run/%'`.execute(h.database.db)
        ).rows[0]!.n,
      )
    await vi.waitFor(async () => expect(await runRows()).toBe(totalCalls), { timeout: 15_000, interval: 200 })
    await h.services.callLog.flush()
    const perIntegration = await h.database.db
      .selectFrom('api_logs')
      .select(['integration', (eb) => eb.fn.countAll<string>().as('n')])
      .where('endpoint', 'like', '/run/%')
      .groupBy('integration')
      .execute()
    expect(Object.fromEntries(perIntegration.map((row) => [row.integration, Number(row.n)]))).toEqual({
      keyedapp: 3_334,
      ccapp: 3_333,
      userapi: 3_333,
    })
    const logged = await h.database.db
      .selectFrom('api_logs')
      .select(['integration', 'status_code', 'error_message', (eb) => eb.fn.countAll<string>().as('n')])
      .where('endpoint', 'like', '/run/%')
      .groupBy(['integration', 'status_code', 'error_message'])
      .execute()
    // Each row says what its caller was answered.
    const answered = new Map<string, number>()
    for (const o of outcomes) {
      const key = `${o.kind.integration} ${o.status} ${o.error}`
      answered.set(key, (answered.get(key) ?? 0) + 1)
    }
    expect(
      new Map(logged.map((row) => [`${row.integration} ${row.status_code} ${row.error_message}`, Number(row.n)])),
    ).toEqual(answered)
    expect(h.services.callLog.dropped).toBe(0)
    const metrics = await (await h.call('/metrics')).text()
    expect(metrics).toContain('junction_call_log_dropped_total 0\n')

    // No secret in any column of any row, nor in any line the process logged (hub and database pool).
    const secrets = [appApiKey, clientSecret, accessToken, refreshToken, h.key, ...tokens.issued]
    const rows = await h.database.db.selectFrom('api_logs').selectAll().execute()
    expect(rows.length).toBeGreaterThanOrEqual(totalCalls)
    const logLines = [...h.logLines, ...poolLog.lines]
    // The outage was seen and said: the scan below covers real failure lines, not an empty log.
    expect(logLines.some((line) => line.includes('call-log writes fail'))).toBe(true)
    for (const value of secrets) {
      expect(rows.filter((row) => JSON.stringify(row).includes(value))).toEqual([])
      expect(logLines.filter((line) => line.includes(value))).toEqual([])
    }
  }, 60_000)
})
