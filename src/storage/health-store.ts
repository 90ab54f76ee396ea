/** @module The figures of integration health, computed from the call log and the outbox. */
import { type Kysely, sql } from 'kysely'
import { tokenReadEndpoint } from './api-logs-store.js'
import type { Schema } from './schema.js'

export interface CallFigures {
  integration: string
  calls: number
  errors: number
  p50Ms: number | null
  p95Ms: number | null
  /** Calls that waited for the rate limiter, and how long in all. */
  rateLimitWaits: number
  rateLimitWaitMs: number
}

/** Per integration, calls to providers since `since` (token reads are Junction's own, and left out). */
export async function callFigures(db: Kysely<Schema>, since: Date): Promise<CallFigures[]> {
  const { rows } = await sql<{
    integration: string
    calls: number
    errors: number
    p50: number | null
    p95: number | null
    waits: number
    wait_ms: string | number
  }>`
    select integration,
      count(*)::int as calls,
      (count(*) filter (where status_code is null or status_code >= 400))::int as errors,
      percentile_cont(0.5) within group (order by response_time_ms) as p50,
      percentile_cont(0.95) within group (order by response_time_ms) as p95,
      (count(*) filter (where rate_limit_wait_ms > 0))::int as waits,
      coalesce(sum(rate_limit_wait_ms), 0)::bigint as wait_ms
    from api_logs
    where created_at >= ${since} and endpoint <> ${tokenReadEndpoint}
    group by integration`.execute(db)
  return rows.map((row) => ({
    integration: row.integration,
    calls: row.calls,
    errors: row.errors,
    p50Ms: row.p50 === null ? null : Math.round(Number(row.p50)),
    p95Ms: row.p95 === null ? null : Math.round(Number(row.p95)),
    rateLimitWaits: row.waits,
    rateLimitWaitMs: Number(row.wait_ms),
  }))
}

/** Per integration, refreshes that failed (for a while, or for good) since `since`. */
export async function refreshFailures(db: Kysely<Schema>, since: Date): Promise<Map<string, number>> {
  const { rows } = await sql<{ integration: string; failures: number }>`
    select data->>'integration' as integration, count(*)::int as failures
    from outbox_events
    where created_at >= ${since} and type in ('connection.refresh_failed', 'connection.needs_reauth')
    group by 1`.execute(db)
  return new Map(rows.map((row) => [row.integration, row.failures]))
}

export interface SeriesBucket {
  /** Start of the bucket. */
  start: Date
  calls: number
  errors: number
  p95Ms: number | null
}

/**
 * One integration's calls to its provider since `since`, in buckets of `bucketMs` (only buckets with calls: the
 * caller fills the gaps).
 */
export async function callSeries(
  db: Kysely<Schema>,
  query: { integration: string; since: Date; bucketMs: number },
): Promise<SeriesBucket[]> {
  const bucketSeconds = query.bucketMs / 1000
  const { rows } = await sql<{ bucket: string; calls: number; errors: number; p95: number | null }>`
    select floor(extract(epoch from created_at) / ${bucketSeconds})::bigint as bucket,
      count(*)::int as calls,
      (count(*) filter (where status_code is null or status_code >= 400))::int as errors,
      percentile_cont(0.95) within group (order by response_time_ms) as p95
    from api_logs
    where integration = ${query.integration} and created_at >= ${query.since} and endpoint <> ${tokenReadEndpoint}
    group by 1
    order by 1`.execute(db)
  return rows.map((row) => ({
    start: new Date(Number(row.bucket) * query.bucketMs),
    calls: row.calls,
    errors: row.errors,
    p95Ms: row.p95 === null ? null : Math.round(Number(row.p95)),
  }))
}
