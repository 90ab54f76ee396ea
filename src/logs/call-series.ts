/**
 * @module Calls, errors and p95 latency of one integration over time, for the dashboard's charts: the last hour by
 * minute, or the last day by hour, with empty buckets filled in so that a quiet period shows as quiet.
 */
import type { Kysely } from 'kysely'
import { callSeries, type SeriesBucket } from '../storage/health-store.js'
import type { Schema } from '../storage/schema.js'

export type SeriesRange = '1h' | '24h'

export const seriesRanges: Readonly<Record<SeriesRange, { bucketMs: number; buckets: number; label: string }>> = {
  '1h': { bucketMs: 60_000, buckets: 60, label: 'Last hour, by minute' },
  '24h': { bucketMs: 3_600_000, buckets: 24, label: 'Last 24 hours, by hour' },
}

export interface CallSeries {
  of(integration: string, range: SeriesRange): Promise<SeriesBucket[]>
}

export function createCallSeries(db: Kysely<Schema>, now: () => number = Date.now): CallSeries {
  return {
    async of(integration, range) {
      const { bucketMs, buckets } = seriesRanges[range]
      const firstBucket = Math.floor(now() / bucketMs) - buckets + 1
      const since = new Date(firstBucket * bucketMs)
      const rows = await callSeries(db, { integration, since, bucketMs })
      const byStart = new Map(rows.map((row) => [row.start.getTime(), row]))
      return Array.from({ length: buckets }, (_, index) => {
        const start = (firstBucket + index) * bucketMs
        return byStart.get(start) ?? { start: new Date(start), calls: 0, errors: 0, p95Ms: null }
      })
    },
  }
}
