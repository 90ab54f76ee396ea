/**
 * `junction start` on PostgreSQL whose connections go silent (kept open, never answered, never reset), as a host
 * crash or a failover leaves them. Requests that need the database answer 503 `unavailable` within a bound set by the
 * timeouts, never hang; the hub recovers by itself once PostgreSQL answers again; and SIGTERM ends the process
 * within 10 s in every state: the database silent, answering slowly, or resetting the connections requests wait on.
 * The database is reached through a TCP proxy, never by stopping the shared server.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/backends.js'
import { type RunningHub, startHub, temporaryDirectory } from '../helpers/cli.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/** The hub's timeouts in this suite, through the database URL's own parameters (production: 10 s, 5 s). */
const queryTimeoutMs = 1_000
const connectTimeoutMs = 1_000
/** A request needs at most a few bounded steps (a wait for a connection, a connect, a query, for two queries). */
const promptMs = 5 * (queryTimeoutMs + connectTimeoutMs)
/** Past this a request counts as hung. */
const hangMs = 30_000
const silenceMs = 6_000
/** Specifications, not measurements. */
const recoveryMs = 30_000
const stopMs = 10_000

interface Answer {
  path: string
  /** `closed`: the hub closed the connection without an answer (a stop past its grace for requests in flight). */
  status: number | 'hung' | 'closed'
  error: string | null
  ms: number
}

describe.runIf(postgresAdminUrl() !== null)('junction start while PostgreSQL goes silent', { timeout: 240_000 }, () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let workdir: ReturnType<typeof temporaryDirectory>
  let hub: RunningHub | undefined

  beforeEach(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    workdir = temporaryDirectory()
  })
  afterEach(async () => {
    if (hub !== undefined && hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL')
    await hub?.exited
    hub = undefined
    tcp?.restore()
    await tcp?.close()
    workdir?.remove()
    await created?.drop()
  })

  const databaseUrl = (parameters: Record<string, string>) => {
    const url = new URL(created.url)
    url.port = String(tcp.port)
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value)
    return url.toString()
  }
  const start = async (parameters: Record<string, string>) => {
    hub = await startHub({
      cwd: workdir.path,
      env: { JUNCTION_DATABASE_URL: databaseUrl(parameters), JUNCTION_SANDBOX: '0' },
      timeoutMs: 60_000,
    })
    const key = readFileSync(join(workdir.path, '.junction', 'initial-api-key'), 'utf8').trim()
    return { running: hub, key }
  }
  const ask = async (url: string, path: string, key: string): Promise<Answer> => {
    const started = performance.now()
    try {
      const response = await fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(hangMs),
      })
      await response.arrayBuffer()
      return { path, status: response.status, error: response.headers.get('junction-error'), ms: elapsed(started) }
    } catch (error) {
      const hung = error instanceof Error && error.name === 'TimeoutError'
      return { path, status: hung ? 'hung' : 'closed', error: null, ms: elapsed(started) }
    }
  }
  const untilBothAnswer200 = async (url: string, key: string) => {
    const started = performance.now()
    for (;;) {
      const [health, keys] = await Promise.all([ask(url, '/health', key), ask(url, '/v1/api-keys', key)])
      if (health.status === 200 && keys.status === 200) return elapsed(started)
      if (elapsed(started) > recoveryMs) throw new Error(`not recovered: ${JSON.stringify([health, keys])}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  const paths = ['/health', '/v1/connections', '/v1/api-keys']

  it('answers 503 promptly while silent, three times, recovers within 30 s, and stops within 10 s', async () => {
    const { running, key } = await start({
      query_timeout: String(queryTimeoutMs),
      statement_timeout: String(queryTimeoutMs - 200),
      connect_timeout: String(connectTimeoutMs / 1000),
    })
    for (const path of paths) expect((await ask(running.url, path, key)).status).toBe(200)

    // Black-holed twice (the old connections stay silent for good), stalled once (they are reset on return).
    for (const silence of ['blackhole', 'stall', 'blackhole'] as const) {
      const answers: Promise<Answer>[] = []
      tcp[silence]()
      const silentFrom = performance.now()
      while (elapsed(silentFrom) < silenceMs) {
        for (const path of paths) answers.push(ask(running.url, path, key))
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      tcp.restore()
      const settled = await Promise.all(answers)
      expect(settled.filter((answer) => answer.status === 'hung')).toEqual([])
      expect(settled.filter((answer) => answer.ms > promptMs)).toEqual([])
      expect(settled.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([])
      const refused = settled.filter((answer) => answer.status === 503)
      // Most of them came while the database was silent.
      expect(refused.length).toBeGreaterThan(settled.length / 2)
      expect(refused.filter((answer) => answer.path !== '/health' && answer.error !== 'unavailable')).toEqual([])
      expect(await untilBothAnswer200(running.url, key)).toBeLessThan(recoveryMs)
    }

    // SIGTERM while the database is silent and requests wait on it.
    tcp.blackhole()
    const inFlight = paths.map((path) => ask(running.url, path, key))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stopping = performance.now()
    const code = await running.stop()
    expect(elapsed(stopping)).toBeLessThan(stopMs)
    for (const answer of await Promise.all(inFlight)) expect([503, 'closed']).toContain(answer.status)
    expect(code).toBe(0)
  })

  it('stops within 10 s on SIGTERM while the database is silent, with the production timeouts', async () => {
    const { running, key } = await start({})
    // Several connections open in the pool: each will be silent, and a goodbye to them never acknowledged.
    const warm = await Promise.all([1, 2, 3, 4, 5].map(() => ask(running.url, '/v1/connections', key)))
    expect(warm.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    tcp.blackhole()
    // A query of this request waits on a silent server for the production query timeout (10 s): longer than the
    // whole stop may take.
    const inFlight = ask(running.url, '/v1/connections', key)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stopping = performance.now()
    const code = await running.stop()
    expect(elapsed(stopping)).toBeLessThan(stopMs)
    expect([503, 'closed']).toContain((await inFlight).status)
    expect(code).toBe(0)
    expect(running.output()).toContain('"msg":"stopped"')
  })

  it('stops within 10 s on SIGTERM while the database answers 4 s per chunk, with the production timeouts', async () => {
    const { running, key } = await start({})
    const warm = await Promise.all([1, 2, 3, 4, 5].map(() => ask(running.url, '/v1/connections', key)))
    expect(warm.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    // A round trip now takes 8 s, within the 10 s query timeout: the queries in flight are still waiting when the
    // stop begins, and so is every goodbye sent to the server.
    tcp.slow(4_000)
    const inFlight = paths.map((path) => ask(running.url, path, key))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stopping = performance.now()
    const code = await running.stop()
    expect(elapsed(stopping)).toBeLessThan(stopMs)
    for (const answer of await Promise.all(inFlight)) expect([200, 503, 'closed']).toContain(answer.status)
    expect(code).toBe(0)
    expect(running.output()).toContain('"msg":"stopped"')
  })

  it('stops within 10 s on SIGTERM when the connections requests wait on are reset during the stop', async () => {
    const { running, key } = await start({})
    const warm = await Promise.all([1, 2, 3, 4, 5].map(() => ask(running.url, '/v1/connections', key)))
    expect(warm.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    tcp.stall()
    const inFlight = paths.map((path) => ask(running.url, path, key))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stopping = performance.now()
    const stopped = running.stop()
    await new Promise((resolve) => setTimeout(resolve, 200))
    tcp.reset()
    const code = await stopped
    expect(elapsed(stopping)).toBeLessThan(stopMs)
    for (const answer of await Promise.all(inFlight)) expect([200, 503, 'closed']).toContain(answer.status)
    expect(code).toBe(0)
    expect(running.output()).toContain('"msg":"stopped"')
  })
})

function elapsed(since: number): number {
  return performance.now() - since
}
