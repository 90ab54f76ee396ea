/**
 * Proxy throughput: requests per second and p50/p99 latency of the same small JSON GET (a) straight to the upstream
 * with undici, (b) through a bare `node:http` + `undici.request` pass-through, (d) through the same pass-through as
 * a Hono route (and, for reference, one using the global `fetch`), and (c) through `junction start`'s `/v1/proxy`
 * with call logs and a rate limit on (above the load), on PostgreSQL and on PGlite; (c-user) the same as a user with an
 * OAuth connection whose token refreshes during the run; a 50 KiB answer through (a), (b) and (c); and (c-lib),
 * `junction.fetch()` in the application's process against raw undici there (bench/proxy-lib.ts). The load generator, each proxy
 * and the upstream run as processes of their own. Then open-loop runs at half of (c)'s peak for the added p50, and,
 * when asked, the memory soak: the hub's resident memory over 5 minutes at 1,000 requests/s after a 60 s warm-up.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { childEnv, type RunningHub, startHub, temporaryDirectory } from '../test/helpers/cli.js'
import { createPostgresDatabase } from '../test/helpers/postgres-admin.js'
import { benchConfig } from './proxy-config.js'
import type { LibraryFigures, LibrarySpec } from './proxy-lib.js'
import type { LoadFigures, LoadSpec } from './proxy-load.js'

const tsx = ['--import', 'tsx']
const here = import.meta.dirname

export interface ProxyBenchOptions {
  /** An admin URL of a PostgreSQL server; without it the PostgreSQL cases are skipped. */
  postgresAdminUrl: string | undefined
  /** @default 50 */
  concurrency?: number
  /** @default 2_000 */
  warmupMs?: number
  /** Measured time of each round. @default 10_000 */
  durationMs?: number
  /** Closed-loop rounds per case, alternating between cases; the median round is reported. @default 3 */
  rounds?: number
}

/** A case's median round, with the lowest and highest rate of its rounds. */
export type RoundFigures = LoadFigures & { minRps: number; maxRps: number }

export interface ProxyFigures {
  closed: {
    direct: RoundFigures
    nodePassThrough: RoundFigures
    honoPassThrough: RoundFigures
    honoFetchPassThrough: RoundFigures
    junctionPostgres: RoundFigures | undefined
    junctionPglite: RoundFigures
    /** (c-user): as a user with an OAuth connection, on (c)'s database. */
    junctionUser: RoundFigures
    /** The 50 KiB answer: direct, bare pass-through, junction (on (c)'s database). */
    directBig: RoundFigures
    nodeBig: RoundFigures
    junctionBig: RoundFigures
  }
  /** (c)'s database for the user and 50 KiB cases. */
  backend: 'postgres' | 'pglite'
  /** Tokens the upstream issued by the end of the run (both hubs' user connections refresh every 20 s). */
  userRefreshes: number
  /** (c-lib): `junction.fetch()` in the application's process against raw undici there, median rounds. */
  library: { raw: RoundFigures; library: RoundFigures }
  /** (c-lib) on PGlite, the embedded database in the application's own process (when (c)'s is PostgreSQL). */
  libraryPglite: { raw: RoundFigures; library: RoundFigures } | undefined
  /** The machine's 1-minute load average before and after (it is shared: other work shows here). */
  loadAverage: { before: number; after: number }
  /** Open-loop at half of (c)'s peak (PostgreSQL when there is one, else PGlite): the rounds' median p50. */
  open: { rate: number; backend: 'postgres' | 'pglite'; direct: LoadFigures; junction: LoadFigures }
}

/** A child that prints the port it listens on as its first line. */
async function startServer(kind: string, upstream?: string): Promise<{ origin: string; child: ChildProcess }> {
  const args = [...tsx, join(here, 'proxy-servers.ts'), kind, ...(upstream === undefined ? [] : [upstream])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() })
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)))
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
  })
  return { origin: `http://127.0.0.1:${port}`, child }
}

/** Runs the load generator in its own process and returns its figures. */
export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const child = spawn(process.execPath, [...tsx, join(here, 'proxy-load.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(),
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`the load generator exited with ${code}`)
  return JSON.parse(output) as LoadFigures
}

export interface BenchHub {
  hub: RunningHub
  key: string
  /** The user with an OAuth connection, for `benchuser` (its token lasts 20 s, so it refreshes during a run). */
  userId: string
  stop(): Promise<void>
}

/**
 * `junction start` in development mode with one app-level integration (its own API key, so no user id) whose API is
 * the upstream, with a rate limit far above the load; on PostgreSQL when `postgresAdminUrl` is given.
 */
export async function startBenchHub(upstream: string, postgresAdminUrl: string | undefined): Promise<BenchHub> {
  const workdir = temporaryDirectory('junction-bench-proxy-')
  writeFileSync(join(workdir.path, 'junction.config.json'), JSON.stringify(benchConfig(upstream)))
  const database = postgresAdminUrl === undefined ? undefined : await createPostgresDatabase(postgresAdminUrl)
  const env: Record<string, string> = { JUNCTION_DATA_DIR: join(workdir.path, 'data'), JUNCTION_SANDBOX: '0' }
  if (database !== undefined) env.JUNCTION_DATABASE_URL = database.url
  // Flags for the hub's node (`--cpu-prof --cpu-prof-dir=…`, say), space-separated: JUNCTION_BENCH_HUB_NODE_ARGS.
  const nodeArgs = process.env.JUNCTION_BENCH_HUB_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? []
  const hub = await startHub({ cwd: workdir.path, env, nodeArgs, timeoutMs: 60_000 })
  const key = readFileSync(join(workdir.path, 'data', 'initial-api-key'), 'utf8').trim()
  const userId = 'u_bench'
  // A token that expires 20 s in: refreshed (at the upstream's /token) during the run, and again every 20 s.
  const imported = await fetch(`${hub.url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      integration: 'benchuser',
      userId,
      credentials: {
        accessToken: 'bench-access-0',
        refreshToken: 'bench-refresh-0',
        expiresAt: new Date(Date.now() + 20_000).toISOString(),
      },
    }),
  })
  if (!imported.ok) throw new Error(`importing the bench connection answered ${imported.status}`)
  return {
    hub,
    key,
    userId,
    async stop() {
      await hub.stop()
      await database?.drop()
      workdir.remove()
    },
  }
}

/** (c-lib) in a process of its own: the library and raw undici, alternating rounds. */
async function runLibrary(spec: LibrarySpec): Promise<LibraryFigures> {
  const child = spawn(process.execPath, [...tsx, join(here, 'proxy-lib.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(),
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`the library bench exited with ${code}`)
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as LibraryFigures
}

/** Where a load generator sends its GETs. */
type Target = Pick<LoadSpec, 'origin' | 'path' | 'headers'>

/** The round whose rate is the median of the rounds (its latencies with it), and the spread of the rates. */
function medianRound(rounds: LoadFigures[]): LoadFigures & { minRps: number; maxRps: number } {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps)
  const median = sorted[Math.floor(sorted.length / 2)]!
  return { ...median, minRps: sorted[0]!.rps, maxRps: sorted.at(-1)!.rps }
}

export async function measureProxy(options: ProxyBenchOptions): Promise<ProxyFigures> {
  const concurrency = options.concurrency ?? 50
  const rounds = options.rounds ?? 3
  const timing = { warmupMs: options.warmupMs ?? 2_000, durationMs: options.durationMs ?? 10_000 }
  const loadBefore = loadavg()[0] ?? 0
  const upstream = await startServer('upstream')
  const children = [upstream.child]
  const hubs: BenchHub[] = []
  try {
    const passThrough = async (kind: string): Promise<Target> => {
      const server = await startServer(kind, upstream.origin)
      children.push(server.child)
      return { origin: server.origin, path: '/items', headers: {} }
    }
    const throughJunction = async (postgresAdminUrl: string | undefined): Promise<Target> => {
      const bench = await startBenchHub(upstream.origin, postgresAdminUrl)
      hubs.push(bench)
      return { origin: bench.hub.url, path: '/v1/proxy/bench/items', headers: { authorization: `Bearer ${bench.key}` } }
    }
    const nodeTarget = await passThrough('node')
    const pgliteTarget = await throughJunction(undefined)
    const postgresTarget =
      options.postgresAdminUrl === undefined ? undefined : await throughJunction(options.postgresAdminUrl)
    // (c)'s hub: on PostgreSQL when there is one. Its user and 50 KiB cases go through the same hub.
    const mainHub = hubs.at(-1)!
    const main = postgresTarget ?? pgliteTarget
    // Every target runs from the start (idle ones cost nothing); rounds alternate between them, so that a burst of
    // other work on this shared machine lands on one round of one case rather than on a whole case.
    const targets: Record<string, Target> & { direct: Target; junctionPglite: Target; junctionPostgres?: Target } = {
      direct: { origin: upstream.origin, path: '/items', headers: {} },
      nodePassThrough: nodeTarget,
      honoPassThrough: await passThrough('hono'),
      honoFetchPassThrough: await passThrough('hono-fetch'),
      junctionPglite: pgliteTarget,
      ...(postgresTarget === undefined ? {} : { junctionPostgres: postgresTarget }),
      junctionUser: {
        ...main,
        path: '/v1/proxy/benchuser/items',
        headers: { ...main.headers, 'junction-user-id': mainHub.userId },
      },
      directBig: { origin: upstream.origin, path: '/big', headers: {} },
      nodeBig: { ...nodeTarget, path: '/big' },
      junctionBig: { ...main, path: '/v1/proxy/bench/big' },
    }
    const runs = new Map<string, LoadFigures[]>()
    for (let round = 0; round < rounds; round++) {
      for (const [name, target] of Object.entries(targets)) {
        const figures = await runLoad({ ...target, mode: 'closed', concurrency, rate: 0, ...timing })
        runs.set(name, [...(runs.get(name) ?? []), figures])
      }
    }
    const closed = (name: string) => medianRound(runs.get(name) ?? [])
    const junctionPostgres = runs.has('junctionPostgres') ? closed('junctionPostgres') : undefined
    // Open loop at half of (c)'s peak (on PostgreSQL when there is one): the latency a caller sees below saturation.
    const openTarget = targets.junctionPostgres ?? targets.junctionPglite
    const rate = Math.max(1, Math.round((junctionPostgres ?? closed('junctionPglite')).rps / 2))
    const openRuns: { direct: LoadFigures[]; junction: LoadFigures[] } = { direct: [], junction: [] }
    for (let round = 0; round < rounds; round++) {
      openRuns.direct.push(await runLoad({ ...targets.direct, mode: 'open', concurrency, rate, ...timing }))
      openRuns.junction.push(await runLoad({ ...openTarget, mode: 'open', concurrency, rate, ...timing }))
    }
    // At a fixed rate the rates are all the same: the median round is the one with the median p50.
    const byP50 = (runs: LoadFigures[]) => [...runs].sort((a, b) => a.p50Ms - b.p50Ms)[Math.floor(runs.length / 2)]!
    // On (c)'s database: with PGlite, the call-log rows are written by the application's own process.
    const libraryDatabase =
      options.postgresAdminUrl === undefined ? undefined : await createPostgresDatabase(options.postgresAdminUrl)
    const library = await runLibrary({
      upstream: upstream.origin,
      databaseUrl: libraryDatabase?.url,
      concurrency,
      rounds,
      ...timing,
    }).finally(() => libraryDatabase?.drop())
    const libraryPglite =
      libraryDatabase === undefined
        ? undefined
        : await runLibrary({ upstream: upstream.origin, databaseUrl: undefined, concurrency, rounds, ...timing })
    const openDirect = byP50(openRuns.direct)
    const openJunction = byP50(openRuns.junction)
    return {
      closed: {
        direct: closed('direct'),
        nodePassThrough: closed('nodePassThrough'),
        honoPassThrough: closed('honoPassThrough'),
        honoFetchPassThrough: closed('honoFetchPassThrough'),
        junctionPostgres,
        junctionPglite: closed('junctionPglite'),
        junctionUser: closed('junctionUser'),
        directBig: closed('directBig'),
        nodeBig: closed('nodeBig'),
        junctionBig: closed('junctionBig'),
      },
      backend: postgresTarget === undefined ? 'pglite' : 'postgres',
      userRefreshes: await refreshesOf(mainHub),
      library: { raw: medianRound(library.raw), library: medianRound(library.library) },
      libraryPglite:
        libraryPglite === undefined
          ? undefined
          : { raw: medianRound(libraryPglite.raw), library: medianRound(libraryPglite.library) },
      open: {
        rate,
        backend: targets.junctionPostgres === undefined ? 'pglite' : 'postgres',
        direct: openDirect,
        junction: openJunction,
      },
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    }
  } finally {
    for (const bench of hubs) await bench.stop()
    for (const child of children) child.kill()
  }
}

/** How many times the user case's token was refreshed: the connection's access token counts them. */
async function refreshesOf(bench: BenchHub): Promise<number> {
  const response = await fetch(`${bench.hub.url}/v1/connections/benchuser/${bench.userId}/token`, {
    headers: { authorization: `Bearer ${bench.key}` },
  })
  const { accessToken } = (await response.json()) as { accessToken?: string }
  return Number(/^bench-access-(\d+)$/.exec(accessToken ?? '')?.[1] ?? Number.NaN)
}

export interface SoakFigures {
  rate: number
  /** Resident memory of the hub after the warm-up, and the most seen after it. */
  rssAfterWarmupMiB: number
  rssMaxMiB: number
  rssEndMiB: number
  /** RSS every 30 s from the start, to tell a plateau from a steady climb. */
  series: { atSeconds: number; mib: number }[]
  load: LoadFigures
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/** The hub on PostgreSQL at `rate` requests/s (open loop) for `warmupMs` + `durationMs`, its RSS sampled each second. */
export async function measureProxySoak(
  postgresAdminUrl: string,
  options: { rate?: number; warmupMs?: number; durationMs?: number } = {},
): Promise<SoakFigures> {
  const rate = options.rate ?? 1_000
  const warmupMs = options.warmupMs ?? 60_000
  const durationMs = options.durationMs ?? 300_000
  const upstream = await startServer('upstream')
  try {
    const bench = await startBenchHub(upstream.origin, postgresAdminUrl)
    try {
      const pid = bench.hub.child.pid
      const samples: { at: number; mib: number }[] = []
      const started = performance.now()
      const sampler = setInterval(() => samples.push({ at: performance.now() - started, mib: rssMiB(pid) }), 1_000)
      const load = await runLoad({
        origin: bench.hub.url,
        path: '/v1/proxy/bench/items',
        headers: { authorization: `Bearer ${bench.key}` },
        mode: 'open',
        concurrency: 0,
        rate,
        warmupMs,
        durationMs,
      })
      clearInterval(sampler)
      const afterWarmup = samples.find((sample) => sample.at >= warmupMs) ?? samples.at(-1)
      const measured = samples.filter((sample) => sample.at >= warmupMs)
      return {
        rate,
        rssAfterWarmupMiB: afterWarmup?.mib ?? 0,
        rssMaxMiB: Math.max(...measured.map((sample) => sample.mib)),
        rssEndMiB: samples.at(-1)?.mib ?? 0,
        series: samples
          .filter((_, index) => (index + 1) % 30 === 0)
          .map((sample) => ({ atSeconds: Math.round(sample.at / 1000), mib: sample.mib })),
        load,
      }
    } finally {
      await bench.stop()
    }
  } finally {
    upstream.child.kill()
  }
}
