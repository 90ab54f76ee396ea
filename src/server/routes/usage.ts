/** @module `GET /v1/usage`: calls per hour or day and per integration or end user, as JSON or CSV (docs/http-api.md, "Usage"). */
import { Hono } from 'hono'
import type { Usage, UsageQuery } from '../../logs/usage.js'
import { usageFilters } from '../api-schemas.js'
import { defaultMaxUsageRows, usageCsv, usageFileName } from '../dashboard/usage-export.js'
import { readListQuery } from '../request-input.js'

export function usageRoutes(usage: Usage, options: { maxCsvRows?: number } = {}): Hono {
  return new Hono().get('/', async (c) => {
    const { limit, cursor, format, ...filters } = readListQuery(c, usageFilters)
    const query: UsageQuery = {
      groupBy: filters.groupBy === 'userId' ? 'userId' : 'integration',
      interval: filters.interval === 'hour' ? 'hour' : 'day',
      since: filters.since === undefined ? undefined : new Date(filters.since),
      until: filters.until === undefined ? undefined : new Date(filters.until),
      integration: filters.integration,
      userId: filters.userId,
    }
    if (format !== 'csv') return c.json(await usage.report({ ...query, limit, cursor }))
    // The first page is read before answering, so that a bad period is a 400, not a broken download.
    const entries = usage.each(query, options.maxCsvRows ?? defaultMaxUsageRows)
    const first = await entries.next()
    async function* all() {
      if (first.done !== true) yield first.value
      yield* entries
    }
    return c.body(usageCsv(all(), query.groupBy), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${usageFileName(query.interval, new Date())}"`,
      'cache-control': 'no-store',
    })
  })
}
