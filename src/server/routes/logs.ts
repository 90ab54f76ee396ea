/** @module `GET /v1/logs`: the call log, newest first (CONTRACT.md §3). */
import { Hono } from 'hono'
import { z } from 'zod'
import type { CallLogs } from '../../logs/call-logs.js'
import { parseStatusFilter } from '../../logs/status-filter.js'
import { readListQuery } from '../request-input.js'

export function logRoutes(logs: CallLogs): Hono {
  return new Hono().get('/', async (c) => {
    const query = readListQuery(c, {
      integration: z.string().max(64).optional(),
      userId: z.string().max(255).optional(),
      status: z.string().max(8).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
    })
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
