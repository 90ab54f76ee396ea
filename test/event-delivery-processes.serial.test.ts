/**
 * Event delivery across real `junction start` processes on one PostgreSQL (docs/http-api.md, "Events"): a hub killed
 * with SIGKILL in the middle of 1,000 pending events loses none of them once restarted (an attempt cut short is made
 * again when its claim runs out, with the same `webhook-id`), and two hubs on the same events never make one attempt
 * at the same time.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/storage/database.js'
import { recordEvent } from '../src/storage/outbox-store.js'
import { createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { runJunction, startHub, temporaryDirectory } from './helpers/cli.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'
import { startTcpProxy } from './helpers/tcp-proxy.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
/** Past this the hubs count as stuck: the lease (30 s) an attempt cut short waits for, several times over. */
const deliveredWithinMs = 150_000

describe.runIf(postgresAdminUrl() !== null)('event delivery across hub processes', { timeout: 300_000 }, () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let workdir: ReturnType<typeof temporaryDirectory>
  let receiver: EventReceiver
  let env: Record<string, string>

  beforeEach(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    workdir = temporaryDirectory()
    receiver = await startEventReceiver()
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(config, JSON.stringify({ events: { url: receiver.url } }))
    env = {
      JUNCTION_DATABASE_URL: created.url,
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: config,
      JUNCTION_EVENTS_SECRET: secret,
      JUNCTION_SANDBOX: '0',
    }
    const migrated = await runJunction(['migrate'], { cwd: workdir.path, env })
    expect(migrated.code, migrated.stderr).toBe(0)
  })
  afterEach(async () => {
    // Hubs still running are killed by the suite-wide afterEach (stop-started-hubs) before the database goes.
    await receiver?.close()
    workdir?.remove()
    await created?.drop()
  })

  /** Records `count` pending events straight into the hub's database, as a change of the hub's would. */
  async function recordEvents(count: number): Promise<string[]> {
    const database = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 4 })
    try {
      const ids: string[] = []
      for (let n = 0; n < count; n += 50) {
        const batch = Array.from({ length: Math.min(50, count - n) }, (_, k) =>
          recordEvent(database.db, {
            type: 'connection.created',
            userId: `u_${n + k}`,
            integration: 'acme',
            data: { userId: `u_${n + k}` },
          }),
        )
        ids.push(...(await Promise.all(batch)))
      }
      return ids
    } finally {
      await database.close()
    }
  }

  /** Events a hub holds a claim on. */
  async function claimed(): Promise<number> {
    const database = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 1 })
    try {
      const row = await database.db
        .selectFrom('outbox_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('claimed_by', 'is not', null)
        .executeTakeFirstOrThrow()
      return Number(row.count)
    } finally {
      await database.close()
    }
  }

  async function statuses(): Promise<Map<string, number>> {
    const database = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 1 })
    try {
      const rows = await database.db
        .selectFrom('outbox_events')
        .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
        .groupBy('status')
        .execute()
      return new Map(rows.map((row) => [row.status, Number(row.count)]))
    } finally {
      await database.close()
    }
  }

  async function waitUntil(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
    const deadline = Date.now() + deliveredWithinMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${deliveredWithinMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it('delivers every one of 1,000 pending events after a SIGKILL and a restart, duplicates only under the same webhook-id', async () => {
    // Slow enough that attempts are in flight when the hub is killed.
    receiver.answer(() => ({ status: 204, delayMs: 20 }))
    const ids = await recordEvents(1_000)
    const first = await startHub({ cwd: workdir.path, env })
    await waitUntil('a first share delivered', () => receiver.requests.length >= 150)
    first.child.kill('SIGKILL')
    await first.exited
    const beforeRestart = await statuses()
    expect(beforeRestart.get('delivered') ?? 0).toBeLessThan(1_000)
    // The kill cut attempts short: their claims outlive the process, and only their running out frees the events.
    expect(await claimed()).toBeGreaterThan(0)

    const second = await startHub({ cwd: workdir.path, env })
    await waitUntil('every event delivered', async () => (await statuses()).get('delivered') === 1_000)
    await second.stop()

    expect(await statuses()).toEqual(new Map([['delivered', 1_000]]))
    const counts = receiver.countsById()
    expect([...counts.keys()].sort()).toEqual([...ids].sort())
    // A duplicate is an attempt made again under the same id, never an event sent under a new one.
    for (const request of receiver.requests) expect(JSON.parse(request.body).id).toBe(request.id)
    const duplicated = [...counts.values()].filter((count) => count > 1).length
    // Only attempts the kill left unsettled (sent, or answered and not yet recorded) can repeat: at most the hub's
    // unsettled limit (100).
    expect(duplicated).toBeLessThanOrEqual(100)
    expect(receiver.overlaps()).toEqual([])
  })

  it('never has two hubs make the same attempt at once: each event delivered once', async () => {
    // Slow answers, so that one hub alone (10 attempts at a time) would take seconds: the two overlap.
    receiver.answer(() => ({ status: 200, delayMs: 100 }))
    const ids = await recordEvents(1_000)
    // Both start together and find the same pending events; the 30 s lease outlasts any attempt here.
    const hubs = await Promise.all([startHub({ cwd: workdir.path, env }), startHub({ cwd: workdir.path, env })])
    await waitUntil('every event delivered', async () => (await statuses()).get('delivered') === 1_000)
    await Promise.all(hubs.map((hub) => hub.stop()))

    // More attempts at once than one hub makes (10): both hubs were delivering the same events' table together.
    expect(mostAtOnce(receiver)).toBeGreaterThan(10)
    expect(receiver.overlaps()).toEqual([])
    const counts = receiver.countsById()
    expect([...counts.keys()].sort()).toEqual([...ids].sort())
    expect([...counts.values()].every((count) => count === 1)).toBe(true)
  })
})

describe.runIf(postgresAdminUrl() !== null)('junction start and events', { timeout: 120_000 }, () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let workdir: ReturnType<typeof temporaryDirectory>
  let receiver: EventReceiver

  beforeEach(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    workdir = temporaryDirectory()
    receiver = await startEventReceiver()
  })
  afterEach(async () => {
    await receiver?.close()
    workdir?.remove()
    await created?.drop()
  })

  const configFile = () => {
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(config, JSON.stringify({ events: { url: receiver.url } }))
    return config
  }

  it('stops within the 10 s bound on SIGTERM while an attempt waits on a silent app, exit code 0', async () => {
    // The app never answers within the attempt's 15 s: the stop abandons the attempt, whose claim then runs out.
    receiver.answer(() => ({ status: 200, delayMs: 60_000 }))
    const env = {
      JUNCTION_DATABASE_URL: created.url,
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: configFile(),
      JUNCTION_EVENTS_SECRET: secret,
    }
    const hub = await startHub({ cwd: workdir.path, env })
    const key = (await runJunction(['keys', 'create', 'events'], { cwd: workdir.path, env })).stdout.trim()
    const imported = await fetch(`${hub.url}/v1/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: 'sandbox', userId: 'u_1', credentials: { accessToken: 't' } }),
    })
    expect(imported.status).toBe(201)
    const deadline = Date.now() + 30_000
    while (receiver.requests.length === 0) {
      if (Date.now() > deadline) throw new Error(`no attempt reached the app: ${hub.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const signalled = performance.now()
    const code = await hub.stop('SIGTERM')
    expect(performance.now() - signalled).toBeLessThan(10_000)
    expect(code, hub.output()).toBe(0)
  })

  it('stops within the 10 s bound on SIGTERM while attempts are in flight and the database is silent', async () => {
    // The database through a TCP proxy that goes silent (never answers, never resets), with production's timeouts.
    const direct = new URL(created.url)
    const tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    try {
      const viaProxy = new URL(created.url)
      viaProxy.port = String(tcp.port)
      receiver.answer(() => ({ status: 200, delayMs: 60_000 }))
      const env = {
        JUNCTION_DATABASE_URL: viaProxy.toString(),
        JUNCTION_DATA_DIR: join(workdir.path, 'data'),
        JUNCTION_CONFIG: configFile(),
        JUNCTION_EVENTS_SECRET: secret,
        JUNCTION_SANDBOX: '0',
      }
      const migrated = await runJunction(['migrate'], { cwd: workdir.path, env })
      expect(migrated.code, migrated.stderr).toBe(0)
      const database = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 2 })
      try {
        for (let n = 0; n < 30; n++) {
          await recordEvent(database.db, { type: 'connection.created', userId: null, integration: 'acme', data: { n } })
        }
      } finally {
        await database.close()
      }
      const hub = await startHub({ cwd: workdir.path, env })
      const deadline = Date.now() + 30_000
      // Ten attempts in flight (the worker's concurrency), each waiting on the app.
      while (receiver.requests.length < 10) {
        if (Date.now() > deadline) throw new Error(`attempts did not reach the app: ${hub.output()}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      tcp.blackhole()
      // The worker's next claims and the housekeeping now wait on a database that never answers.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const signalled = performance.now()
      const code = await hub.stop('SIGTERM')
      expect(performance.now() - signalled).toBeLessThan(10_000)
      expect(code, hub.output()).toBe(0)
    } finally {
      tcp.restore()
      await tcp.close()
    }
  })

  it('refuses to start in production with events.url and no events secret, in one line', async () => {
    const result = await runJunction(['start', '--port', '0'], {
      cwd: workdir.path,
      env: {
        NODE_ENV: 'production',
        JUNCTION_DATABASE_URL: created.url,
        JUNCTION_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
        JUNCTION_CONFIG: configFile(),
      },
    })
    expect(result.code).not.toBe(0)
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('config error at JUNCTION_EVENTS_SECRET: required in production once events.url is set'),
    ])
  })
})

/** The most requests the receiver was handling at the same moment. */
function mostAtOnce(receiver: EventReceiver): number {
  const edges = receiver.requests.flatMap((request) => [
    { at: request.startedAt, change: 1 },
    { at: request.endedAt ?? Number.POSITIVE_INFINITY, change: -1 },
  ])
  edges.sort((a, b) => a.at - b.at || a.change - b.change)
  let current = 0
  let most = 0
  for (const edge of edges) {
    current += edge.change
    most = Math.max(most, current)
  }
  return most
}
