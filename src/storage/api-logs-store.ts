/** @module `api_logs`: what was called for the app, how it went. Never a token, never a query secret. */
import type { Kysely, Selectable } from 'kysely'
import { newRowId } from '../core/ids.js'
import type { ApiLogsTable, Schema } from './schema.js'

export type ApiLogRow = Selectable<ApiLogsTable>

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
}

export async function insertCallLog(db: Kysely<Schema>, entry: CallLogEntry): Promise<void> {
  await db
    .insertInto('api_logs')
    .values({
      id: newRowId(),
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
    })
    .execute()
}
