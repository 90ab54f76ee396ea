/**
 * @module Usage for billing (`GET /v1/usage`, the dashboard's Usage page): the call log's rows counted per hour or day
 * and per integration or end user, with errors, p95 latency and bytes when known (docs/http-api.md, "Usage").
 */
import type { Kysely } from 'kysely'
import { JunctionError } from '../core/errors.js'
import { type UsageRow, usageRows } from '../storage/api-logs-store.js'
import type { Page } from '../storage/cursor.js'
import type { Schema } from '../storage/schema.js'

export type UsageGroupBy = 'integration' | 'userId'
export type UsageInterval = 'hour' | 'day'

export const usageIntervals: Readonly<Record<UsageInterval, { seconds: number; defaultPeriodMs: number }>> = {
  hour: { seconds: 3_600, defaultPeriodMs: 86_400_000 },
  day: { seconds: 86_400, defaultPeriodMs: 30 * 86_400_000 },
}

/** The most buckets one period spans (about 41 days by hour), so that one question cannot ask for years by hour. */
export const maxUsageBuckets = 1_000

export interface UsageQuery {
  groupBy: UsageGroupBy
  interval: UsageInterval
  /** @default `until` less a day (by hour) or 30 days (by day) */
  since?: Date | undefined
  /** @default now */
  until?: Date | undefined
  integration?: string | undefined
  userId?: string | undefined
}

/** One bucket of one integration or end user. */
export interface UsageEntry {
  /** The bucket's start (UTC hour or day); the first and last buckets may be cut by `since` and `until`. */
  start: string
  /** With `groupBy=integration`. */
  integration?: string
  /** With `groupBy=userId`: null for app-level calls (no end user). */
  userId?: string | null
  calls: number
  /** Calls that got no answer or a 4xx/5xx. */
  errors: number
  p95Ms: number | null
  /** Bytes of the answers whose size is known; null when none is. */
  bytes: number | null
}

export interface UsageReport extends Page<UsageEntry> {
  groupBy: UsageGroupBy
  interval: UsageInterval
  since: string
  until: string
}

export interface Usage {
  report(query: UsageQuery & { limit: number; cursor?: string | undefined }): Promise<UsageReport>
  /** Every entry of the period, in order, read a page at a time, up to `max` entries. */
  each(query: UsageQuery, max: number): AsyncGenerator<UsageEntry>
}

const exportPageSize = 500

export function createUsage(db: Kysely<Schema>, now: () => number = Date.now): Usage {
  async function page(query: UsageQuery, limit: number, cursor: string | undefined) {
    const period = usagePeriod(query, now())
    const rows = await usageRows(db, {
      groupBy: query.groupBy === 'integration' ? 'integration' : 'user_id',
      bucketSeconds: usageIntervals[query.interval].seconds,
      since: period.since,
      until: period.until,
      integration: query.integration,
      userId: query.userId,
      after: cursor === undefined ? undefined : decodeUsageCursor(cursor),
      limit: limit + 1,
    })
    const kept = rows.slice(0, limit)
    const last = kept[kept.length - 1]
    return {
      period,
      data: kept.map((row) => toEntry(row, query.groupBy)),
      nextCursor: rows.length > limit && last !== undefined ? encodeUsageCursor(last) : null,
    }
  }
  return {
    async report(query) {
      const { period, data, nextCursor } = await page(query, query.limit, query.cursor)
      return {
        groupBy: query.groupBy,
        interval: query.interval,
        since: period.since.toISOString(),
        until: period.until.toISOString(),
        data,
        nextCursor,
      }
    },
    async *each(query, max) {
      // The period is fixed once, so that pages read later still cover the same one.
      const period = usagePeriod(query, now())
      const fixed = { ...query, ...period }
      let cursor: string | undefined
      let left = max
      while (left > 0) {
        const next = await page(fixed, Math.min(exportPageSize, left), cursor)
        yield* next.data
        left -= next.data.length
        if (next.nextCursor === null) return
        cursor = next.nextCursor
      }
    },
  }
}

/** The period asked for, defaults filled in; `invalid_request` naming the field when it is empty or too long. */
export function usagePeriod(query: UsageQuery, now: number): { since: Date; until: Date } {
  const interval = usageIntervals[query.interval]
  const until = query.until ?? new Date(now)
  const since = query.since ?? new Date(until.getTime() - interval.defaultPeriodMs)
  if (since >= until) throw new JunctionError('invalid_request', 'since: must be before until')
  const buckets = Math.ceil((until.getTime() - since.getTime()) / (interval.seconds * 1000))
  if (buckets > maxUsageBuckets)
    throw new JunctionError(
      'invalid_request',
      `since: the period spans more than ${maxUsageBuckets} buckets of an ${query.interval}; ask for a shorter one${query.interval === 'hour' ? ', or by day' : ''}`,
    )
  return { since, until }
}

function toEntry(row: UsageRow, groupBy: UsageGroupBy): UsageEntry {
  const start = new Date(row.bucket * 1000).toISOString()
  const figures = { calls: row.calls, errors: row.errors, p95Ms: row.p95Ms, bytes: row.bytes }
  return groupBy === 'integration'
    ? { start, integration: row.key, ...figures }
    : { start, userId: row.key === '' ? null : row.key, ...figures }
}

function encodeUsageCursor(row: UsageRow): string {
  return Buffer.from(`u:${row.bucket}:${row.key}`, 'utf8').toString('base64url')
}

function decodeUsageCursor(cursor: string): { bucket: number; key: string } {
  const match = /^u:(\d{1,12}):([\s\S]{0,255})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match?.[1] === undefined || match[2] === undefined)
    throw new JunctionError('invalid_request', 'cursor is not one this API returned')
  return { bucket: Number(match[1]), key: match[2] }
}
