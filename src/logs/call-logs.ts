/** @module Reading the call log for the API (`GET /v1/logs`). */
import type { Kysely } from 'kysely'
import { type CallLogFilter, listCallLogs } from '../storage/api-logs-store.js'
import type { Page } from '../storage/cursor.js'
import type { Schema } from '../storage/schema.js'
import { type CallLog, toCallLog } from './call-log-view.js'

export interface CallLogs {
  list(filter: CallLogFilter): Promise<Page<CallLog>>
}

export function createCallLogs(db: Kysely<Schema>): CallLogs {
  return {
    list: async (filter) => {
      const page = await listCallLogs(db, filter)
      return { data: page.data.map(toCallLog), nextCursor: page.nextCursor }
    },
  }
}
