/**
 * `npm run bench`: every benchmark, each beside a baseline measured in the same run, printed as a table.
 * Figures are reported (BENCHMARKS.md), not gated: correctness counts live in the test suites.
 * `npm run bench -- --only proxy` runs one of them (startup, http, refresh, proxy, cache, webhooks, soak), or several
 * (`--only startup,http,proxy,soak`); `--soak` (or JUNCTION_BENCH_SOAK=1) adds the proxy's 6-minute memory soak on
 * PostgreSQL. A run that measured startup, http, proxy and the soak ends with the performance goals' table.
 */
import { parseArgs } from 'node:util'
import { measureCache, printCacheFigures } from './cache.js'
import { type GoalFigures, printGoals } from './goals-report.js'
import { measureOverhead, measureRateLimits } from './http.js'
import { measureProxy, measureProxySoak } from './proxy.js'
import { printProxyFigures, printSoakFigures } from './proxy-report.js'
import { measureRefreshStorm } from './refresh-storm.js'
import { measureStartup } from './startup.js'
import { measureWebhooks } from './webhooks.js'
import { printWebhooksFigures } from './webhooks-report.js'

const { values: flags } = parseArgs({
  options: { only: { type: 'string' }, soak: { type: 'boolean', default: false } },
})
const only = flags.only?.split(',').map((name) => name.trim())
const runs = (name: string) => only === undefined || only.includes(name)
const soak = flags.soak || only?.includes('soak') === true || process.env.JUNCTION_BENCH_SOAK === '1'
/** What this run measured, for the goals' table at the end. */
const measured: Partial<GoalFigures> = {}

const postgresUrl = process.env.JUNCTION_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const usePostgres = await import('pg').then(async ({ default: pg }) => {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
})

if (runs('startup')) {
  const startup = await measureStartup(usePostgres ? postgresUrl : undefined)
  measured.startup = startup
  const ratio = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / startup.baselineMs).toFixed(1)}x`)
  const rows = [
    ['bare node:http server (baseline)', `${startup.baselineMs} ms`, '1.0x', ''],
    [
      'junction start, PGlite, first (creates the database)',
      `${startup.pgliteFirstMs} ms`,
      ratio(startup.pgliteFirstMs),
      '',
    ],
    [
      'junction start, PGlite, later',
      `${startup.pgliteLaterMs} ms`,
      ratio(startup.pgliteLaterMs),
      `${startup.pgliteIdleRssMiB} MiB`,
    ],
    [
      'junction start, PostgreSQL',
      startup.postgresMs === undefined ? 'skipped (no server)' : `${startup.postgresMs} ms`,
      ratio(startup.postgresMs),
      startup.postgresIdleRssMiB === undefined ? '' : `${startup.postgresIdleRssMiB} MiB`,
    ],
  ]
  console.log('\nStart-up: spawn until GET /health answers 200; idle RSS 2 s after start\n')
  console.log('| case | time to /health | vs baseline | idle RSS |')
  console.log('|---|---|---|---|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

if (runs('http')) {
  const overhead = await measureOverhead()
  measured.overhead = overhead
  console.log(
    '\nHTTP client overhead: 30,000 GETs, 32 in flight, keep-alive server in its own process (median of 5 alternating runs)\n',
  )
  console.log('| client | requests/s | vs raw undici |')
  console.log('|---|---|---|')
  console.log(`| undici.request (baseline) | ${Math.round(overhead.rawPerSecond)} | 1.00 |`)
  console.log(
    `| createHttpClient (retries and a generous limiter on) | ${Math.round(overhead.junctionPerSecond)} | ${(overhead.junctionPerSecond / overhead.rawPerSecond).toFixed(2)} |`,
  )

  const limits = await measureRateLimits()
  measured.limits = limits
  console.log(
    '\nRate-limit efficiency: 300 GETs queued at once against a server enforcing 50/s, burst 5 (429 beyond)\n',
  )
  console.log('| scheduler | succeeded (of 300) | 429s | seconds | successes / (burst + rate · seconds) |')
  console.log('|---|---|---|---|---|')
  for (const run of limits) {
    console.log(
      `| ${run.name} | ${run.succeeded} | ${run.refused} | ${run.seconds.toFixed(2)} | ${run.efficiency.toFixed(3)} |`,
    )
  }
}

if (runs('refresh') && usePostgres) {
  const storm = await measureRefreshStorm(postgresUrl)
  console.log('\nRefresh storm: 1,000 concurrent token reads, 100 connections (10 each), two processes on PostgreSQL\n')
  console.log('| case | token-endpoint calls | wall time | p95 latency | failures |')
  console.log('|---|---|---|---|---|')
  console.log(
    `| fresh tokens (baseline) | 0 | ${Math.round(storm.baselineMs)} ms | ${Math.round(storm.baselineP95Ms)} ms | |`,
  )
  console.log(
    `| expired tokens (storm) | ${storm.refreshCalls} (goal: exactly 100) | ${Math.round(storm.stormMs)} ms | ${Math.round(storm.stormP95Ms)} ms | ${storm.failures} |`,
  )
}

if (runs('proxy')) {
  const rounds = 3
  measured.proxy = await measureProxy({ postgresAdminUrl: usePostgres ? postgresUrl : undefined, rounds })
  printProxyFigures(measured.proxy, rounds)
}

if (runs('cache')) printCacheFigures(await measureCache())

if (runs('webhooks')) {
  if (usePostgres) printWebhooksFigures(await measureWebhooks({ postgresAdminUrl: postgresUrl }))
  else console.log('\nWebhooks in, events out: skipped (its baseline and hub run on PostgreSQL, and none answers)')
}

if (soak) {
  if (usePostgres) {
    measured.soak = await measureProxySoak(postgresUrl)
    printSoakFigures(measured.soak)
  } else console.log('\nProxy memory soak: skipped (it runs on PostgreSQL, and none answers)')
}

const { startup, overhead, limits, proxy, soak: soakFigures } = measured
if (startup && overhead && limits && proxy && soakFigures)
  printGoals({ startup, overhead, limits, proxy, soak: soakFigures })
