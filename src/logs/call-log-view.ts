/** @module `Log`, one row of the call log as the API shows it (docs/http-api.md, "Log"), and its detail. */
import type { ApiLogRow, ApiLogSummary, CallAttempt, CallDetails, LoggedBody } from '../storage/api-logs-store.js'

export interface CallLog {
  id: string
  requestId: string
  integration: string
  userId: string | null
  method: string
  /** The path called, query secrets redacted. */
  path: string
  status: number | null
  durationMs: number
  attempts: number
  rateLimitWaitMs: number
  /** How the response cache answered (`hit`, `revalidated`, `miss`); null when the call did not use it. */
  cache: 'hit' | 'revalidated' | 'miss' | null
  error: string | null
  createdAt: string
}

/** A row with what was kept of a failed or retried call; empty lists and nulls for the others. */
export interface CallLogDetail extends CallLog {
  errorText: string | null
  requestHeaders: ReadonlyArray<readonly [string, string]>
  responseHeaders: ReadonlyArray<readonly [string, string]>
  responseBody: LoggedBody | null
  attemptLog: readonly CallAttempt[]
}

export function toCallLog(row: ApiLogSummary): CallLog {
  return {
    id: row.id,
    requestId: row.request_id,
    integration: row.integration,
    userId: row.user_id,
    method: row.method,
    path: row.endpoint,
    status: row.status_code,
    durationMs: row.response_time_ms,
    attempts: row.attempts,
    rateLimitWaitMs: row.rate_limit_wait_ms,
    cache: row.cache,
    error: row.error_message,
    createdAt: row.created_at.toISOString(),
  }
}

export function toCallLogDetail(row: ApiLogRow): CallLogDetail {
  // Our own column, written by `insertCallLogs`: read as written, with anything absent (older rows) as empty.
  const details = (row.details ?? {}) as CallDetails
  return {
    ...toCallLog(row),
    errorText: details.errorText ?? null,
    requestHeaders: details.requestHeaders ?? [],
    responseHeaders: details.responseHeaders ?? [],
    responseBody: details.responseBody ?? null,
    attemptLog: details.attempts ?? [],
  }
}
