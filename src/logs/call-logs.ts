/** @module Reading the call log, for the API (`GET /v1/logs`) and the dashboard. */
import type { Kysely } from 'kysely'
import { isRowId } from '../core/ids.js'
import { type CallLogFilter, findCallLog, listCallLogs } from '../storage/api-logs-store.js'
import type { Page } from '../storage/cursor.js'
import type { Schema } from '../storage/schema.js'
import { type CallLog, toCallLog } from './call-log-view.js'

export interface CallLogs {
  list(filter: CallLogFilter): Promise<Page<CallLog>>
  /** One row, or undefined when no row has that id (or it is not an id at all). */
  get(id: string): Promise<CallLog | undefined>
}

export function createCallLogs(db: Kysely<Schema>): CallLogs {
  return {
    list: async (filter) => {
      const page = await listCallLogs(db, filter)
      return { data: page.data.map(toCallLog), nextCursor: page.nextCursor }
    },
    get: async (id) => {
      if (!isRowId(id)) return undefined
      const row = await findCallLog(db, id)
      return row === undefined ? undefined : toCallLog(row)
    },
  }
}
