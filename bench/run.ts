/**
 * `npm run bench`: every benchmark, each beside a baseline measured in the same run, printed as a table.
 * Figures are reported (BENCHMARKS.md), not gated: correctness counts live in the test suites.
 */
import { measureStartup } from './startup.js'

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

const startup = await measureStartup(usePostgres ? postgresUrl : undefined)
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
