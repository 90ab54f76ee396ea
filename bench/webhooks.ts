/**
 * Webhooks in, events out (`npm run bench -- --only webhooks`).
 *
 * Inbound: Standard Webhooks deliveries per second to `junction start`'s `POST /webhooks/:integration` (verified,
 * deduplicated by their unique key, stored, 200 after commit), a unique `webhook-id` each, 50 in flight, on
 * PostgreSQL (a fresh database) and on PGlite; beside a bare `node:http` server doing the same HMAC check and one
 * `INSERT` per request into PostgreSQL. Then open loops for the p99: at half of the hub's PostgreSQL peak, and at 500/s
 * (half of the 1,000/s goal).
 *
 * Outbound: events delivered per second by a hub on PostgreSQL to a receiver answering 204 at once, for 5,000
 * pending events recorded before the hub starts, from the first delivery to the last; beside the same receiver fed
 * by a bare loop of signed undici POSTs at the hub's concurrency (10).
 *
 * The load generators, the hubs, the baseline server and the receiver each run as a process of their own; all are
 * stopped when the benchmark ends, also on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/storage/database.js'
import { recordEvent } from '../src/storage/outbox-store.js'
import {
  childEnv,
  type RunningHub,
  runJunction,
  startHub,
  stopStartedHubs,
  temporaryDirectory,
} from '../test/helpers/cli.js'
import { createPostgresDatabase } from '../test/helpers/postgres-admin.js'
import type { LoadFigures } from './proxy-load.js'
import type { InboundSpec, OutboundFigures, OutboundSpec } from './webhooks-load.js'

const tsx = ['--import', 'tsx']
const here = import.meta.dirname
const providerSecret = `whsec_${Buffer.from('bench-provider-webhook-secret-32').toString('base64')}`
const eventsSecret = `whsec_${Buffer.from('bench-junction-events-secret-32b').toString('base64')}`

export interface WebhooksBenchOptions {
  /** An admin URL of a PostgreSQL server; without it the benchmark is skipped (its baseline needs one). */
  postgresAdminUrl: string
  /** @default 50 */
  concurrency?: number
  /** @default 2_000 */
  warmupMs?: number
  /** @default 8_000 */
  durationMs?: number
  /** Pending events delivered by the outbound cases. @default 5_000 */
  events?: number
  /** In flight in the outbound baseline: the hub's delivery concurrency. @default 10 */
  outboundConcurrency?: number
}

export interface OutboundRun {
  delivered: number
  errors: number
  /** From the first delivery's arrival at the receiver to the last's. */
  ms: number
  perSecond: number
}

export interface WebhooksFigures {
  concurrency: number
  inbound: { baseline: LoadFigures; postgres: LoadFigures; pglite: LoadFigures }
  /** Open loops: at half the hub's PostgreSQL peak, and at half the 1,000/s goal. */
  open: Array<{ label: string; rate: number; baseline: LoadFigures; postgres: LoadFigures }>
  outbound: { events: number; concurrency: number; baseline: OutboundRun; postgres: OutboundRun; insertMs: number }
  loadAverage: { before: number; after: number }
}

/** A child that prints the port it listens on as its first line. */
async function startServer(args: string[]): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...tsx, join(here, 'webhooks-servers.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(),
  })
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0]} server exited with ${code}`)))
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
  })
  return { origin: `http://127.0.0.1:${port}`, child }
}

/** Runs a load generator in its own process and returns its figures. */
async function runLoad<T>(spec: InboundSpec | OutboundSpec): Promise<T> {
  const child = spawn(process.execPath, [...tsx, join(here, 'webhooks-load.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(),
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`the load generator exited with ${code}`)
  return JSON.parse(output) as T
}

interface Stats {
  count: number
  firstAt: number
  lastAt: number
}

async function receiverStats(origin: string): Promise<Stats> {
  return (await (await fetch(`${origin}/stats`)).json()) as Stats
}

async function resetReceiver(origin: string): Promise<void> {
  await fetch(`${origin}/stats`, { method: 'DELETE' })
}

/** Waits until the receiver has `count` deliveries (60 s at most) and answers the first-to-last figures. */
async function receiverRun(origin: string, count: number, errors = 0): Promise<OutboundRun> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const stats = await receiverStats(origin)
    if (stats.count >= count) {
      const ms = stats.lastAt - stats.firstAt
      return { delivered: stats.count, errors, ms, perSecond: ((stats.count - 1) / ms) * 1000 }
    }
    if (Date.now() > deadline) throw new Error(`only ${stats.count} of ${count} events reached the receiver in 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function measureWebhooks(options: WebhooksBenchOptions): Promise<WebhooksFigures> {
  const concurrency = options.concurrency ?? 50
  const timing = { warmupMs: options.warmupMs ?? 2_000, durationMs: options.durationMs ?? 8_000 }
  const events = options.events ?? 5_000
  const outboundConcurrency = options.outboundConcurrency ?? 10
  const adminUrl = options.postgresAdminUrl
  const loadBefore = loadavg()[0] ?? 0
  const children: ChildProcess[] = []
  const hubs: RunningHub[] = []
  const cleanups: (() => Promise<void> | void)[] = []
  let runs = 0
  const inboundLoad = (origin: string, path: string, mode: 'closed' | 'open', rate = 0) =>
    runLoad<LoadFigures>({
      kind: 'inbound',
      origin,
      path,
      secret: providerSecret,
      idPrefix: `${process.pid}_${runs++}`,
      mode,
      concurrency,
      rate,
      ...timing,
    })
  /** `junction start` on a fresh work directory, on PostgreSQL when `databaseUrl` is given, else PGlite. */
  const startJunction = async (config: object, databaseUrl: string | undefined, migrateFirst?: () => Promise<void>) => {
    const workdir = temporaryDirectory('junction-bench-webhooks-')
    cleanups.push(() => workdir.remove())
    const configPath = join(workdir.path, 'junction.config.json')
    writeFileSync(configPath, JSON.stringify(config))
    const env: Record<string, string> = {
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: configPath,
      JUNCTION_SANDBOX: '0',
      JUNCTION_EVENTS_SECRET: eventsSecret,
    }
    if (databaseUrl !== undefined) env.JUNCTION_DATABASE_URL = databaseUrl
    if (migrateFirst !== undefined) {
      const migrated = await runJunction(['migrate'], { cwd: workdir.path, env })
      if (migrated.code !== 0) throw new Error(`junction migrate failed: ${migrated.stderr}`)
      await migrateFirst()
    }
    // Flags for the hub's node (`--cpu-prof --cpu-prof-dir=…`, say), space-separated: JUNCTION_BENCH_HUB_NODE_ARGS.
    const nodeArgs = process.env.JUNCTION_BENCH_HUB_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? []
    const hub = await startHub({ cwd: workdir.path, env, nodeArgs, timeoutMs: 60_000 })
    hubs.push(hub)
    return hub
  }
  const freshDatabase = async () => {
    const database = await createPostgresDatabase(adminUrl)
    cleanups.push(() => database.drop())
    return database.url
  }
  try {
    // Inbound.
    const inboundConfig = {
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks' },
        },
      },
      integrations: { hooks: { provider: 'hooks', webhookSecret: providerSecret } },
    }
    const baselineServer = await startServer(['baseline', await freshDatabase(), providerSecret])
    children.push(baselineServer.child)
    const hubPostgres = await startJunction(inboundConfig, await freshDatabase())
    const hubPglite = await startJunction(inboundConfig, undefined)
    const baseline = await inboundLoad(baselineServer.origin, '/webhooks', 'closed')
    const postgres = await inboundLoad(hubPostgres.url, '/webhooks/hooks', 'closed')
    const pglite = await inboundLoad(hubPglite.url, '/webhooks/hooks', 'closed')
    await hubPglite.stop()
    const open: WebhooksFigures['open'] = []
    for (const [label, rate] of [
      ["half of the hub's PostgreSQL peak", Math.max(1, Math.round(postgres.rps / 2))],
      ['half of the 1,000/s goal', 500],
    ] as const) {
      const openBaseline = await inboundLoad(baselineServer.origin, '/webhooks', 'open', rate)
      const openPostgres = await inboundLoad(hubPostgres.url, '/webhooks/hooks', 'open', rate)
      open.push({ label, rate, baseline: openBaseline, postgres: openPostgres })
    }
    await hubPostgres.stop()
    baselineServer.child.kill()

    // Outbound.
    const receiver = await startServer(['receiver'])
    children.push(receiver.child)
    const sent = await runLoad<OutboundFigures>({
      kind: 'outbound',
      origin: receiver.origin,
      path: '/events',
      secret: eventsSecret,
      count: events,
      concurrency: outboundConcurrency,
    })
    const outboundBaseline = await receiverRun(receiver.origin, events, sent.errors)
    await resetReceiver(receiver.origin)
    const outboundUrl = await freshDatabase()
    let insertMs = 0
    const hubOut = await startJunction({ events: { url: `${receiver.origin}/events` } }, outboundUrl, async () => {
      const started = performance.now()
      await recordPendingEvents(outboundUrl, events)
      insertMs = performance.now() - started
    })
    const outboundPostgres = await receiverRun(receiver.origin, events)
    await hubOut.stop()
    return {
      concurrency,
      inbound: { baseline, postgres, pglite },
      open,
      outbound: {
        events,
        concurrency: outboundConcurrency,
        baseline: outboundBaseline,
        postgres: outboundPostgres,
        insertMs,
      },
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    }
  } finally {
    for (const hub of hubs) await hub.stop('SIGKILL').catch(() => undefined)
    await stopStartedHubs()
    for (const child of children) child.kill()
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined)
  }
}

/** `count` pending `connection.created` events, recorded as the hub records them (`appendEvent`), 10 at a time. */
async function recordPendingEvents(url: string, count: number): Promise<void> {
  const database = await openDatabase({ backend: 'postgres', url, poolSize: 10 })
  try {
    let next = 0
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let index = next++; index < count; index = next++) {
          await recordEvent(database.db, {
            type: 'connection.created',
            userId: `u_${index}`,
            integration: 'bench',
            data: { userId: `u_${index}` },
          })
        }
      }),
    )
  } finally {
    await database.close()
  }
}
