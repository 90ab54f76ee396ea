/** @module Reading the call log, for the API (`GET /v1/logs`) and the dashboard (its list, detail and export). */
import type { Kysely } from 'kysely'
import { isRowId } from '../core/ids.js'
import { type CallLogFilter, findCallLog, listCallLogs } from '../storage/api-logs-store.js'
import type { Page } from '../storage/cursor.js'
import type { Schema } from '../storage/schema.js'
import { type CallLog, type CallLogDetail, toCallLog, toCallLogDetail } from './call-log-view.js'

export interface CallLogs {
  list(filter: CallLogFilter): Promise<Page<CallLog>>
  /** One row with its details, or undefined when no row has that id (or it is not an id at all). */
  get(id: string): Promise<CallLogDetail | undefined>
  /**
   * Every row the filter matches, newest first, read a page at a time (so that an export never holds them all), up
   * to `max` rows. The filter's `limit` and `cursor` are ignored.
   */
  each(filter: Omit<CallLogFilter, 'limit' | 'cursor'>, max: number): AsyncGenerator<CallLog>
}

/** Rows read per query while exporting. */
const exportPageSize = 500

export function createCallLogs(db: Kysely<Schema>): CallLogs {
  const list = async (filter: CallLogFilter): Promise<Page<CallLog>> => {
    const page = await listCallLogs(db, filter)
    return { data: page.data.map(toCallLog), nextCursor: page.nextCursor }
  }
  return {
    list,
    get: async (id) => {
      if (!isRowId(id)) return undefined
      const row = await findCallLog(db, id)
      return row === undefined ? undefined : toCallLogDetail(row)
    },
    async *each(filter, max) {
      let cursor: string | undefined
      let left = max
      while (left > 0) {
        const page = await list({ ...filter, limit: Math.min(exportPageSize, left), cursor })
        yield* page.data
        left -= page.data.length
        if (page.nextCursor === null) return
        cursor = page.nextCursor
      }
    },
  }
}
