/** @module `GET /v1/logs`: the call log, newest first (docs/http-api.md, "Call logs"). */
import { Hono } from 'hono'
import type { CallLogs } from '../../logs/call-logs.js'
import { parseStatusFilter } from '../../storage/status-filter.js'
import { logFilters } from '../api-schemas.js'
import { readListQuery } from '../request-input.js'

export function logRoutes(logs: CallLogs): Hono {
  return new Hono().get('/', async (c) => {
    const query = readListQuery(c, logFilters)
    return c.json(
      await logs.list({
        limit: query.limit,
        cursor: query.cursor,
        integration: query.integration,
        userId: query.userId,
        status: query.status === undefined ? undefined : parseStatusFilter(query.status),
        since: query.since === undefined ? undefined : new Date(query.since),
      }),
    )
  })
}
