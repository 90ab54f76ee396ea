/**
 * @module Usage as CSV, for `GET /v1/usage?format=csv` and the dashboard's Usage page: one line per bucket and
 * integration (or end user), cells written as the call log's export writes them (guarded against formulas).
 */
import type { UsageEntry, UsageGroupBy } from '../../logs/usage.js'
import { csvCell, textStream } from './log-export.js'

/** The most lines one CSV holds. @default 100_000 */
export const defaultMaxUsageRows = 100_000

export function usageCsvHeader(groupBy: UsageGroupBy): string {
  return `start,${groupBy},calls,errors,p95Ms,bytes\r\n`
}

export function usageCsvLine(entry: UsageEntry): string {
  const key = entry.integration ?? entry.userId ?? null
  return `${[entry.start, key, entry.calls, entry.errors, entry.p95Ms, entry.bytes].map(csvCell).join(',')}\r\n`
}

export function usageCsv(entries: AsyncGenerator<UsageEntry>, groupBy: UsageGroupBy): ReadableStream<Uint8Array> {
  return textStream(entries, usageCsvHeader(groupBy), usageCsvLine)
}

/** `junction-usage-day-20261206T170500Z.csv`: a name that sorts by when it was made. */
export function usageFileName(interval: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  return `junction-usage-${interval}-${stamp}.csv`
}
