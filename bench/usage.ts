/**
 * `GET /v1/usage` over ten million call-log rows (BENCHMARKS.md, "Usage over ten million rows"): fills a scratch
 * PostgreSQL database with `generate_series` (30 days, 20 integrations, 10,000 end users), then times the usage
 * report, through the same code the route runs, without and with the usage index of migration 0011. Skipped when no
 * PostgreSQL answers. Run: `node --import tsx bench/usage.ts [--rows 10000000] [--runs 3]`.
 * JUNCTION_BENCH_DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres); the scratch
 * database is dropped at the end.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createUsage, type UsageQuery } from '../src/logs/usage.js'
import { openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { createPostgresDatabase } from '../test/helpers/postgres-admin.js'

const { values: flags } = parseArgs({
  options: { rows: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '3' } },
})
const totalRows = Number(flags.rows)
const runs = Number(flags.runs)
const adminUrl = process.env.JUNCTION_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const dayMs = 86_400_000
/** The production budget of one statement (storage/postgres-timeouts.ts): a slower report answers 503. */
const productionBudgetMs = 10_000

const cases: Array<{ name: string; query: Omit<UsageQuery, 'until'> & { periodMs: number } }> = [
  { name: 'last 24 h by hour, per integration', query: { groupBy: 'integration', interval: 'hour', periodMs: dayMs } },
  { name: 'last 24 h by hour, per end user', query: { groupBy: 'userId', interval: 'hour', periodMs: dayMs } },
  {
    name: 'last 7 days by day, per integration',
    query: { groupBy: 'integration', interval: 'day', periodMs: 7 * dayMs },
  },
  {
    name: 'one user, last 30 days by day',
    query: { groupBy: 'userId', interval: 'day', userId: 'u_42', periodMs: 30 * dayMs },
  },
  {
    name: 'last 30 days by day, per integration',
    query: { groupBy: 'integration', interval: 'day', periodMs: 30 * dayMs },
  },
]

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

if (!(await reachable())) {
  console.log(`Usage benchmark skipped: no PostgreSQL answers at ${new URL(adminUrl).host}.`)
  process.exit(0)
}

const scratch = await createPostgresDatabase(adminUrl)
const client = new pg.Client({ connectionString: scratch.url })
await client.connect()
const database = await openDatabase({
  backend: 'postgres',
  url: scratch.url,
  timeouts: { queryTimeoutMs: 600_000, statementTimeoutMs: 590_000 },
})
try {
  await migrateToLatest(database)
  const { rows: version } = await client.query<{ server_version: string }>('show server_version')
  console.log(`PostgreSQL ${version[0]?.server_version}; ${totalRows.toLocaleString('en')} rows`)

  // Secondary indexes are built after the fill (as a restore would), not row by row.
  await client.query(`drop index api_logs_created_at_idx, api_logs_integration_created_at_idx, api_logs_user_id_idx,
    api_logs_usage_idx`)
  const now = Date.now()
  let started = performance.now()
  const chunk = 1_000_000
  for (let from = 1; from <= totalRows; from += chunk) {
    const to = Math.min(totalRows, from + chunk - 1)
    // Spread evenly over the last 30 days; 5% errors (a tenth of them with no answer); bytes known for 70%.
    await client.query(
      `insert into api_logs (id, request_id, user_id, integration, provider, endpoint, method, status_code,
         response_time_ms, error_message, bytes, created_at)
       select gen_random_uuid(), 'req-' || n, case when n % 50 = 0 then null else 'u_' || (n % 10007) end,
         'integration-' || (n % 20), 'acme', '/items/' || (n % 1000), 'GET',
         case when n % 200 = 0 then null when n % 20 = 0 then 503 else 200 end,
         20 + (hashint4(n::int) & 1023), null, case when n % 10 < 7 then 200 + (n % 5000) else null end,
         to_timestamp($1::double precision / 1000) - (n::double precision / $2) * interval '30 days'
       from generate_series($3::bigint, $4::bigint) as n`,
      [now, totalRows, from, to],
    )
  }
  const fillMs = performance.now() - started
  started = performance.now()
  await client.query('create index api_logs_created_at_idx on api_logs (created_at)')
  await client.query('create index api_logs_integration_created_at_idx on api_logs (integration, created_at)')
  await client.query('create index api_logs_user_id_idx on api_logs (user_id)')
  await client.query('vacuum analyze api_logs')
  console.log(
    `filled in ${(fillMs / 1000).toFixed(0)} s; the table's own indexes and vacuum in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  )

  const usage = createUsage(database.db, () => now)
  const measure = async () => {
    const figures: Array<{ name: string; medianMs: number; entries: number }> = []
    for (const { name, query } of cases) {
      const ask = { ...query, since: new Date(now - query.periodMs), until: new Date(now), limit: 500 }
      let entries = (await usage.report(ask)).data.length // warm-up
      const times: number[] = []
      for (let run = 0; run < runs; run++) {
        const begun = performance.now()
        entries = (await usage.report(ask)).data.length
        times.push(performance.now() - begun)
      }
      times.sort((a, b) => a - b)
      figures.push({ name, medianMs: times[Math.floor(times.length / 2)] ?? 0, entries })
    }
    return figures
  }
  /** The scan the report's month by day starts with (the plan's lowest node that reads the table). */
  const planOf = async () => {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `explain select date_bin('1 day', created_at, timestamptz '1970-01-01Z'), integration, count(*),
         count(*) filter (where status_code >= 400), sum(bytes), percentile_cont(0.95) within group (order by response_time_ms)
       from api_logs where created_at >= now() - interval '30 days' and created_at < now() group by 1, 2`,
    )
    return (
      rows
        .map((row) => row['QUERY PLAN'])
        .find((line) => /Scan/.test(line))
        ?.trim() ?? '?'
    )
  }

  const without = await measure()
  const planWithout = await planOf()
  started = performance.now()
  await client.query(`create index api_logs_usage_idx on api_logs (created_at)
    include (integration, user_id, status_code, response_time_ms, bytes)`)
  await client.query('vacuum analyze api_logs')
  const buildMs = performance.now() - started
  const { rows: sizes } = await client.query<{ table: string; usage: string }>(
    `select pg_size_pretty(pg_table_size('api_logs')) as table, pg_size_pretty(pg_relation_size('api_logs_usage_idx')) as usage`,
  )
  const withIndex = await measure()
  const planWith = await planOf()

  console.log(
    `\nthe usage index: built in ${(buildMs / 1000).toFixed(0)} s, ${sizes[0]?.usage} (table ${sizes[0]?.table})`,
  )
  console.log(`plan without: ${planWithout}\nplan with: ${planWith}\n`)
  console.log(
    '| question (first page, 500 entries at most) | entries | without the usage index | with it | within 10 s |',
  )
  console.log('|---|---|---|---|---|')
  for (const [index, row] of withIndex.entries()) {
    const before = without[index]!
    console.log(
      `| ${row.name} | ${row.entries} | ${before.medianMs.toFixed(0)} ms | ${row.medianMs.toFixed(0)} ms | ${row.medianMs < productionBudgetMs ? 'yes' : 'no'} |`,
    )
  }
} finally {
  await client.end()
  await database.close()
  await scratch.drop()
}
