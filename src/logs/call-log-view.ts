/** @module `Log`, one row of the call log as the API shows it (docs/http-api.md, "Log"). */
import type { ApiLogRow } from '../storage/api-logs-store.js'

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
  error: string | null
  createdAt: string
}

export function toCallLog(row: ApiLogRow): CallLog {
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
    error: row.error_message,
    createdAt: row.created_at.toISOString(),
  }
}
