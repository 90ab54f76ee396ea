/** @module `api_logs`: what was called for the app, how it went. Never a token, never a query secret. */
import { type Kysely, type Selectable, sql } from 'kysely'
import { newRowId } from '../core/ids.js'
import { decodeCursor, type Page, toPage } from './cursor.js'
import type { ApiLogsTable, Schema } from './schema.js'
import type { StatusFilter } from './status-filter.js'

export type ApiLogRow = Selectable<ApiLogsTable>

/** How the response cache answered a call (docs/http-api.md, "Caching"). */
export type CacheOutcome = 'hit' | 'revalidated' | 'miss'

/** The `endpoint` of a token read's row: Junction's own work, left out of the provider's health figures. */
export const tokenReadEndpoint = '(token read)'

export interface CallLogEntry {
  requestId: string
  userId: string | null
  integration: string
  provider: string
  /** The path called, query secrets redacted; `(token read)` for a read of a connection's token. */
  endpoint: string
  method: string
  statusCode: number | null
  responseTimeMs: number
  errorMessage: string | null
  attempts?: number
  rateLimitWaitMs?: number
  bytes?: number | null
  /** How the response cache answered the call (`hit`, `revalidated`, `miss`); null when it was not used. */
  cache?: CacheOutcome | null
  /** Kept for a call that failed or was retried; already redacted and scrubbed by whoever records it. */
  details?: CallDetails | undefined
}

/**
 * What the dashboard's call detail shows beyond the `Log` fields. Every text in it was redacted before it got here:
 * this module stores what it is given.
 */
export interface CallDetails {
  /** Junction's own error sentence, as the caller was answered (no provider answer, or Junction refused the call). */
  errorText?: string | undefined
  /** The headers sent to the provider, as `[name, value]` in order; credentials show as `[redacted]`. */
  requestHeaders?: ReadonlyArray<readonly [string, string]> | undefined
  /** The provider's last answer's headers, as the caller got them. */
  responseHeaders?: ReadonlyArray<readonly [string, string]> | undefined
  /** The provider's error body as the caller got it (scrubbed), cut at `maxLoggedBodyBytes`. */
  responseBody?: LoggedBody | undefined
  /** Each attempt, in order. */
  attempts?: readonly CallAttempt[] | undefined
}

export interface LoggedBody {
  /** The body as UTF-8 text, or null for bytes that are not text (their size is still said). */
  text: string | null
  /** The body's size as answered. */
  bytes: number
  /** True when `text` holds only the first `maxLoggedBodyBytes`. */
  truncated: boolean
}

export interface CallAttempt {
  attempt: number
  status: number | null
  /** Junction's error code when the attempt got no answer (`timeout`, `network_error`). */
  error: string | null
  durationMs: number
  /** Time between the previous attempt's end (or the call's start) and this attempt being sent: backoff and limits. */
  waitMs: number
  /** The part of `waitMs` spent waiting for the rate limit. */
  rateLimitWaitMs: number
}

/** The most of a provider's error body a row keeps: what the proxy buffers to scrub (docs/http-api.md). */
export const maxLoggedBodyBytes = 64 * 1024

/**
 * A row as the writer queues it: its id and time are fixed when the call ends, so that a retried batch cannot double
 * it and a row written late (after an outage) still shows when the call happened.
 */
export interface QueuedCallLog extends CallLogEntry {
  id: string
  createdAt: Date
}

export function queuedCallLog(entry: CallLogEntry): QueuedCallLog {
  return { ...entry, id: newRowId(), createdAt: new Date() }
}

/** A row as lists show it: every column but `details`, which can hold 64 KiB and is read one row at a time. */
export type ApiLogSummary = Omit<ApiLogRow, 'details'>

const summaryColumns = [
  'id',
  'seq',
  'request_id',
  'user_id',
  'integration',
  'provider',
  'endpoint',
  'method',
  'status_code',
  'response_time_ms',
  'error_message',
  'attempts',
  'rate_limit_wait_ms',
  'bytes',
  'cache',
  'created_at',
] as const satisfies ReadonlyArray<keyof ApiLogSummary>

/** The columns a call-log insert fills: those lists show but `seq` (the database's own), and `details`. */
type InsertedColumn = Exclude<keyof ApiLogsTable, 'seq'>
const insertedColumns = [...summaryColumns.filter((column) => column !== 'seq'), 'details'].join(', ')

/**
 * A lone UTF-16 surrogate (half of an emoji, in a path cut short) becomes U+FFFD, as the driver's own encoding did:
 * JSON.stringify would write it as an escape the database refuses, and one such row would hold back the whole batch.
 */
function wellFormed(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? (value as string & { toWellFormed(): string }).toWellFormed() : value
}

/**
 * Writes rows in one statement; a row already written (a batch retried after a lost answer) is skipped. The batch
 * goes as one JSON parameter, which the database spreads into rows: a row per proxied call makes this the hub's most
 * frequent write, and one parameter costs far less to build and to parse than sixteen per row.
 */
export async function insertCallLogs(db: Kysely<Schema>, entries: readonly QueuedCallLog[]): Promise<void> {
  if (entries.length === 0) return
  const rows = JSON.stringify(
    entries.map((entry) => ({
      id: entry.id,
      request_id: entry.requestId,
      user_id: entry.userId,
      integration: entry.integration,
      provider: entry.provider,
      endpoint: entry.endpoint,
      method: entry.method,
      status_code: entry.statusCode,
      response_time_ms: Math.round(entry.responseTimeMs),
      error_message: entry.errorMessage,
      attempts: entry.attempts ?? 1,
      rate_limit_wait_ms: Math.round(entry.rateLimitWaitMs ?? 0),
      bytes: entry.bytes ?? null,
      cache: entry.cache ?? null,
      created_at: entry.createdAt,
      details: entry.details ?? null,
    })) satisfies Record<InsertedColumn, unknown>[],
    wellFormed,
  )
  await sql`insert into api_logs (${sql.raw(insertedColumns)})
    select ${sql.raw(insertedColumns)} from json_populate_recordset(null::api_logs, ${rows}::json)
    on conflict (id) do nothing`.execute(db)
}

export interface CallLogFilter {
  integration?: string | undefined
  userId?: string | undefined
  status?: StatusFilter | undefined
  /** Rows from this instant on. */
  since?: Date | undefined
  /** Rows before this instant. */
  until?: Date | undefined
  /** Rows whose path holds this text, compared without regard to case. */
  pathContains?: string | undefined
  limit: number
  cursor?: string | undefined
}

/** The call log, newest first, filtered. */
export async function listCallLogs(db: Kysely<Schema>, filter: CallLogFilter): Promise<Page<ApiLogSummary>> {
  let query = db.selectFrom('api_logs').select(summaryColumns)
  if (filter.integration !== undefined) query = query.where('integration', '=', filter.integration)
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId)
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since)
  if (filter.until !== undefined) query = query.where('created_at', '<', filter.until)
  if (filter.pathContains !== undefined) {
    // strpos, not LIKE: the text is matched as it is, with no wildcard of its own (`%`, `_` are ordinary here).
    const needle = filter.pathContains.toLowerCase()
    query = query.where(sql<boolean>`strpos(lower(endpoint), ${needle}) > 0`)
  }
  const status = filter.status
  if (status?.kind === 'code') query = query.where('status_code', '=', status.code)
  if (status?.kind === 'class')
    query = query.where('status_code', '>=', status.from).where('status_code', '<', status.from + 100)
  if (status?.kind === 'error')
    query = query.where((where) => where.or([where('status_code', 'is', null), where('status_code', '>=', 400)]))
  if (filter.cursor !== undefined) query = query.where('seq', '<', decodeCursor(filter.cursor))
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(filter.limit + 1)
    .execute()
  return toPage(rows, filter.limit, (row) => row)
}

/** Deletes up to `batchSize` of the rows written before `before`; answers how many went. */
export async function deleteCallLogsBefore(db: Kysely<Schema>, before: Date, batchSize: number): Promise<number> {
  const result = await db
    .deleteFrom('api_logs')
    .where('id', 'in', (query) =>
      query.selectFrom('api_logs').select('id').where('created_at', '<', before).limit(batchSize),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function findCallLog(db: Kysely<Schema>, id: string): Promise<ApiLogRow | undefined> {
  return db.selectFrom('api_logs').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface UsageQuery {
  /** The column a row's key is: `integration`, or `user_id` (null, an app-level call, is keyed as ''). */
  groupBy: 'integration' | 'user_id'
  /** The buckets' length; they start at whole multiples of it since the epoch (UTC hours and days). */
  bucketSeconds: number
  since: Date
  until: Date
  integration?: string | undefined
  userId?: string | undefined
  /** Rows after this bucket and key, in the order answered. */
  after?: { bucket: number; key: string } | undefined
  limit: number
}

export interface UsageRow {
  /** The bucket's start, in seconds since the epoch. */
  bucket: number
  key: string
  calls: number
  errors: number
  p95Ms: number | null
  /** Bytes of the answers whose size is known; null when none in the group is. */
  bytes: number | null
}

/**
 * Calls per bucket of time and per key, ordered by bucket then key: an index-only scan of `api_logs_usage_idx`
 * (migration 0011) over the period. Every row of the call log counts, token reads too.
 */
export async function usageRows(db: Kysely<Schema>, query: UsageQuery): Promise<UsageRow[]> {
  const key = query.groupBy === 'integration' ? sql`integration` : sql`coalesce(user_id, '')`
  const after = query.after
  const { rows } = await sql<{
    bucket: string
    key: string
    calls: number
    errors: number
    p95: number | null
    bytes: string | null
  }>`
    with usage as (
      -- date_bin, not arithmetic on extract(epoch …): that is numeric, and cost more than half of a month's report.
      select date_bin(${`${query.bucketSeconds} seconds`}::interval, created_at, timestamptz '1970-01-01 00:00:00+00')
          as bucket,
        -- Byte order, the same on every database whatever its locale, for the cursor's comparison.
        (${key}) collate "C" as key,
        count(*)::int as calls,
        (count(*) filter (where status_code is null or status_code >= 400))::int as errors,
        percentile_cont(0.95) within group (order by response_time_ms) as p95,
        sum(bytes)::bigint as bytes
      from api_logs
      where created_at >= ${query.since} and created_at < ${query.until}
        ${query.integration === undefined ? sql`` : sql`and integration = ${query.integration}`}
        ${query.userId === undefined ? sql`` : sql`and user_id = ${query.userId}`}
        ${after === undefined ? sql`` : sql`and created_at >= ${new Date(after.bucket * 1000)}`}
      group by 1, 2
    )
    select extract(epoch from bucket)::bigint as bucket, key, calls, errors, p95, bytes from usage
    ${after === undefined ? sql`` : sql`where (usage.bucket, key) > (${new Date(after.bucket * 1000)}::timestamptz, ${after.key}::text)`}
    order by usage.bucket, key
    limit ${query.limit}`.execute(db)
  return rows.map((row) => ({
    bucket: Number(row.bucket),
    key: row.key,
    calls: row.calls,
    errors: row.errors,
    p95Ms: row.p95 === null ? null : Math.round(Number(row.p95)),
    bytes: row.bytes === null ? null : Number(row.bytes),
  }))
}
