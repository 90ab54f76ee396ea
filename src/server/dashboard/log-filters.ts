/**
 * @module The call-log page's filters, read from its query string so that a filtered view is a link to share: time
 * (`range` = the last 1h/24h/7d/30d, or `since` and `until`), `status` (a code, a class or `error`), `integration`,
 * `userId` and `path` (text the path contains). Times are UTC, as every page shows them; `since` wins over `range`.
 */
import type { Context } from 'hono'
import { JunctionError } from '../../core/errors.js'
import type { CallLogFilter } from '../../storage/api-logs-store.js'
import { parseStatusFilter } from '../../storage/status-filter.js'
import { queryField } from './form-input.js'

export const logRanges = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
} as const

export type LogRange = keyof typeof logRanges

/** The filter fields as typed: what the form shows again and what links carry on. */
export const logFilterFields = ['range', 'since', 'until', 'status', 'integration', 'userId', 'path'] as const
export type LogFilterValues = Partial<Record<(typeof logFilterFields)[number], string>>

export type LogFilterQuery = Omit<CallLogFilter, 'limit' | 'cursor'>

const longestPathFilter = 500

export function readLogFilterValues(c: Context): LogFilterValues {
  const values: LogFilterValues = {}
  for (const name of logFilterFields) {
    const value = queryField(c, name)
    if (value !== undefined) values[name] = value
  }
  return values
}

/** The filter the values ask for; throws `invalid_request` naming the field that is wrong. */
export function parseLogFilter(values: LogFilterValues, now: number = Date.now()): LogFilterQuery {
  const filter: LogFilterQuery = {}
  if (values.integration !== undefined) filter.integration = values.integration
  if (values.userId !== undefined) filter.userId = values.userId
  if (values.status !== undefined) filter.status = parseStatusFilter(values.status)
  if (values.path !== undefined) {
    if (values.path.length > longestPathFilter)
      throw new JunctionError('invalid_request', `path: at most ${longestPathFilter} characters`)
    filter.pathContains = values.path
  }
  if (values.range !== undefined) {
    if (!Object.hasOwn(logRanges, values.range))
      throw new JunctionError('invalid_request', `range: expected one of ${Object.keys(logRanges).join(', ')}`)
    filter.since = new Date(now - logRanges[values.range as LogRange].ms)
  }
  if (values.since !== undefined) filter.since = parseFilterTime('since', values.since)
  if (values.until !== undefined) filter.until = parseFilterTime('until', values.until)
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    throw new JunctionError('invalid_request', 'since: must be before until')
  return filter
}

const timePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$/i

/**
 * A time as a filter takes it: a date (`2026-12-06`, midnight), a browser's `datetime-local` value
 * (`2026-12-06T17:05`, seconds optional), either read as UTC, or RFC 3339 with its own offset.
 */
export function parseFilterTime(name: string, text: string): Date {
  const parts = timePattern.exec(text)
  const fail = () =>
    new JunctionError('invalid_request', `${name}: expected a UTC time such as 2026-12-06T17:05 or 2026-12-06`)
  if (parts === null) throw fail()
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '0', zone = 'Z'] = parts
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.padEnd(3, '0')}${zone.toUpperCase()}`
  const time = new Date(iso)
  // `Date` rolls 2026-02-30 over to March: a date that does not exist is refused instead.
  if (Number.isNaN(time.getTime()) || (zone.toUpperCase() === 'Z' && time.toISOString() !== iso)) throw fail()
  return time
}

/** A time as a `datetime-local` field shows it (UTC, to the second). */
export function timeFieldValue(time: Date): string {
  return time.toISOString().slice(0, 19)
}

/** A time field's value: the typed time in the form `datetime-local` shows, or as typed when it is not a time. */
export function timeValue(text: string | undefined): string {
  if (text === undefined) return ''
  try {
    return timeFieldValue(parseFilterTime('time', text))
  } catch {
    return text
  }
}

/** The query string of the values (and any extra fields, such as a cursor), for links that keep the filter. */
export function filterQuery(values: LogFilterValues, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams()
  for (const name of logFilterFields) {
    const value = values[name]
    if (value !== undefined) query.set(name, value)
  }
  for (const [name, value] of Object.entries(extra)) query.set(name, value)
  const text = query.toString()
  return text === '' ? '' : `?${text}`
}
