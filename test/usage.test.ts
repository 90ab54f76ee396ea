/**
 * `GET /v1/usage` (docs/http-api.md, "Usage"): the call log counted per hour or day and per integration or end user,
 * on both database backends. The totals are checked against the call log's own rows.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CallLogEntry, insertCallLogs, type QueuedCallLog, queuedCallLog } from '../src/storage/api-logs-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const hour = 3_600_000
/** A whole UTC day, two days ago: every row below falls in it. */
const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000
const period = { since: new Date(day).toISOString(), until: new Date(day + 86_400_000).toISOString() }

interface Entry {
  start: string
  integration?: string
  userId?: string | null
  calls: number
  errors: number
  p95Ms: number | null
  bytes: number | null
}

describe.each(backends())('usage on $name', (backend) => {
  let h: ConnectionHarness
  let readKey: string

  const row = (n: number, at: number, fields: Partial<CallLogEntry>): QueuedCallLog => ({
    ...queuedCallLog({
      requestId: `usage-${n}`,
      userId: 'u_1',
      integration: 'usage-a',
      provider: 'acme',
      endpoint: `/items/${n}`,
      method: 'GET',
      statusCode: 200,
      responseTimeMs: 10,
      errorMessage: null,
      ...fields,
    }),
    createdAt: new Date(at),
  })

  beforeAll(async () => {
    h = await openConnectionHarness(backend)
    readKey = (await h.apiKeys.create('usage reader', 'read')).key
    h.leaks.secret(readKey)
    const rows: QueuedCallLog[] = []
    // Hour 3: usage-a, u_1, ten calls of 10..90 and 110 ms, one 503 and one with no answer; bytes known for three.
    for (let n = 0; n < 10; n++)
      rows.push(
        row(n, day + 3 * hour + n * 1000, {
          responseTimeMs: n === 9 ? 110 : (n + 1) * 10,
          statusCode: n === 0 ? 503 : n === 1 ? null : 200,
          bytes: n < 3 ? 100 * (n + 1) : null,
        }),
      )
    // Hour 3: usage-b for u_2, and an app-level call (no user).
    rows.push(row(10, day + 3 * hour + 5, { integration: 'usage-b', userId: 'u_2', statusCode: 404 }))
    rows.push(row(11, day + 3 * hour + 6, { integration: 'usage-b', userId: null }))
    // Hour 7: two token reads of u_2 (they are rows of the call log, so they count).
    rows.push(row(12, day + 7 * hour, { userId: 'u_2', endpoint: '(token read)', method: 'GET' }))
    rows.push(row(13, day + 7 * hour + 59 * 60_000, { userId: 'u_2', endpoint: '(token read)' }))
    // Outside the period: the hour before and the day after.
    rows.push(row(14, day - 1, {}))
    rows.push(row(15, day + 86_400_000, {}))
    await insertCallLogs(h.database.db, rows)
  })
  afterAll(() => h.close())

  const usage = async (query: Record<string, string>, key?: string) => {
    const response = await h.call(`/v1/usage?${new URLSearchParams(query)}`, {
      ...(key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const allPages = async (query: Record<string, string>, limit: number) => {
    const entries: Entry[] = []
    let cursor: string | undefined
    do {
      const { status, body } = await usage({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) })
      expect(status).toBe(200)
      entries.push(...(body.data as Entry[]))
      cursor = (body.nextCursor as string | null) ?? undefined
    } while (cursor !== undefined)
    return entries
  }
  const logTotals = async () => {
    const { rows } = await sql<{ calls: number; errors: number; bytes: string | null }>`
      select count(*)::int as calls, (count(*) filter (where status_code is null or status_code >= 400))::int as errors,
        sum(bytes)::bigint as bytes
      from api_logs where created_at >= ${new Date(period.since)} and created_at < ${new Date(period.until)}`.execute(
      h.database.db,
    )
    return { calls: rows[0]!.calls, errors: rows[0]!.errors, bytes: Number(rows[0]!.bytes) }
  }
  const sum = (entries: Entry[]) => ({
    calls: entries.reduce((total, entry) => total + entry.calls, 0),
    errors: entries.reduce((total, entry) => total + entry.errors, 0),
    bytes: entries.reduce((total, entry) => total + (entry.bytes ?? 0), 0),
  })

  it('counts per integration and hour, with errors, p95 and bytes when known', async () => {
    const { status, body } = await usage({ groupBy: 'integration', interval: 'hour', ...period })
    expect(status).toBe(200)
    expect(body).toMatchObject({ groupBy: 'integration', interval: 'hour', ...period, nextCursor: null })
    const at = (hours: number) => new Date(day + hours * hour).toISOString()
    expect(body.data).toEqual([
      // percentile_cont(0.95) over 10..90 and 110 ms: 90 + 0.55 × 20.
      { start: at(3), integration: 'usage-a', calls: 10, errors: 2, p95Ms: 101, bytes: 600 },
      { start: at(3), integration: 'usage-b', calls: 2, errors: 1, p95Ms: 10, bytes: null },
      { start: at(7), integration: 'usage-a', calls: 2, errors: 0, p95Ms: 10, bytes: null },
    ])
  })

  it('has totals equal to the call log rows of the period, per integration or per user, by hour or by day', async () => {
    const expected = await logTotals()
    expect(expected.calls).toBe(14)
    for (const groupBy of ['integration', 'userId'])
      for (const interval of ['hour', 'day'])
        expect(sum(await allPages({ groupBy, interval, ...period }, 500))).toEqual(expected)
  })

  it('counts per end user, app-level calls under a null user', async () => {
    const { body } = await usage({ groupBy: 'userId', interval: 'day', ...period })
    expect((body.data as Entry[]).map((entry) => [entry.userId, entry.calls])).toEqual([
      [null, 1],
      ['u_1', 10],
      ['u_2', 3],
    ])
    expect((body.data as Entry[])[0]!.start).toBe(period.since)
  })

  it('filters by integration and user', async () => {
    const { body } = await usage({
      groupBy: 'userId',
      interval: 'day',
      integration: 'usage-a',
      userId: 'u_2',
      ...period,
    })
    expect(body.data).toEqual([{ start: period.since, userId: 'u_2', calls: 2, errors: 0, p95Ms: 10, bytes: null }])
  })

  it('pages with a cursor, every entry once and in order', async () => {
    const query = { groupBy: 'userId', interval: 'hour', ...period }
    const whole = (await usage(query)).body.data as Entry[]
    expect(whole.length).toBe(4)
    expect(await allPages(query, 1)).toEqual(whole)
    expect(await allPages(query, 3)).toEqual(whole)
  })

  it('answers the whole period as CSV', async () => {
    const response = await h.call(`/v1/usage?${new URLSearchParams({ interval: 'hour', format: 'csv', ...period })}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="junction-usage-hour-\d+T\d+Z\.csv"$/,
    )
    const at = (hours: number) => new Date(day + hours * hour).toISOString()
    expect(await response.text()).toBe(
      [
        'start,integration,calls,errors,p95Ms,bytes',
        `${at(3)},usage-a,10,2,101,600`,
        `${at(3)},usage-b,2,1,10,`,
        `${at(7)},usage-a,2,0,10,`,
        '',
      ].join('\r\n'),
    )
  })

  it('is open to a read key', async () => {
    expect((await usage(period, readKey)).status).toBe(200)
  })

  it('defaults to the last 30 days by day, per integration', async () => {
    const { status, body } = await usage({})
    expect(status).toBe(200)
    expect(body).toMatchObject({ groupBy: 'integration', interval: 'day' })
    expect(Date.parse(body.until as string) - Date.parse(body.since as string)).toBe(30 * 86_400_000)
    expect(sum(body.data as Entry[]).calls).toBe(16)
  })

  it('shows a Usage page on the dashboard, with the same rows and a CSV link that keeps the question', async () => {
    const signIn = await h.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:3003' },
      body: new URLSearchParams({ key: h.key }),
    })
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const get = (path: string) => h.app.request(path, { headers: { accept: 'text/html', cookie } })
    const question = new URLSearchParams({ groupBy: 'userId', interval: 'hour', ...period }).toString()
    const page = await get(`/usage?${question}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<a href="/usage" aria-current="page">Usage</a>')
    const cells = [...html.matchAll(/<td data-label="User">([^<]*)<\/td><td data-label="Calls">(\d+)</g)].map(
      (match) => [match[1], Number(match[2])],
    )
    expect(cells).toEqual([
      ['(app-level)', 1],
      ['u_1', 10],
      ['u_2', 1],
      ['u_2', 2],
    ])
    expect(html).toContain(`href="/usage.csv?${question.replaceAll('&', '&amp;')}"`)
    expect(html).not.toContain('<script')
    const csv = await get(`/usage.csv?${question}`)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe('start,userId,calls,errors,p95Ms,bytes')
    expect(lines).toHaveLength(5)
    // A bad question is said on the page, not thrown at the user.
    const refused = await get('/usage?since=yesterday')
    expect(await refused.text()).toContain('since: expected a UTC time')
  })

  it('refuses a bad question with a 400 naming the field', async () => {
    const refused = async (query: Record<string, string>, field: string) => {
      const { status, body } = await usage(query)
      expect(status).toBe(400)
      expect((body.error as { code: string; message: string }).code).toBe('invalid_request')
      expect((body.error as { message: string }).message).toMatch(new RegExp(`^${field}`))
    }
    await refused({ interval: 'week' }, 'interval')
    await refused({ groupBy: 'provider' }, 'groupBy')
    await refused({ since: 'yesterday' }, 'since')
    await refused({ since: period.until, until: period.since }, 'since')
    await refused({ interval: 'hour', since: '2026-01-01T00:00:00Z', until: '2026-03-01T00:00:00Z' }, 'since')
    await refused({ cursor: 'bm9wZQ' }, 'cursor is not')
    await refused({ format: 'xml' }, 'format')
    await refused({ color: 'red' }, '')
  })
})
