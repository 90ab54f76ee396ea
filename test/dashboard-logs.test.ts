/**
 * The dashboard's call logs, in process (docs/dashboard.md, "Call logs"): filters by time, status, integration, user
 * and path kept in the query string and across pages; a call's detail with its attempts, headers and the provider's
 * error body, none of them holding a secret; the export of the filtered rows as CSV and NDJSON; and charts that say
 * their values and units, or that a period had no call.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCallLogs } from '../src/logs/call-logs.js'
import { CallsChart, LatencyChart, niceCeiling } from '../src/server/dashboard/charts.js'
import { csvCell } from '../src/server/dashboard/log-export.js'
import { parseFilterTime, parseLogFilter } from '../src/server/dashboard/log-filters.js'
import { type CallLogEntry, insertCallLogs, type QueuedCallLog } from '../src/storage/api-logs-store.js'
import type { SeriesBucket } from '../src/storage/health-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const origin = 'http://localhost:3003'
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

/** A signed-in browser's GETs. */
async function signedIn(h: ConnectionHarness): Promise<(path: string) => Promise<Response>> {
  const response = await h.app.request('/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ key: h.key }),
  })
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  expect(cookie).toMatch(/^junction-session=/)
  return async (path) => h.app.request(path, { headers: { accept: browserAccept, cookie } })
}

let rowCount = 0
/** A row written straight to the table, at a chosen time. */
function row(fields: Partial<CallLogEntry> & { at: Date }): QueuedCallLog {
  rowCount += 1
  return {
    id: `00000000-0000-4000-8000-${String(rowCount).padStart(12, '0')}`,
    createdAt: fields.at,
    requestId: `req-${rowCount}`,
    userId: fields.userId ?? 'u-filter',
    integration: fields.integration ?? 'keyed',
    provider: 'keyed',
    endpoint: fields.endpoint ?? '/things',
    method: fields.method ?? 'GET',
    statusCode: fields.statusCode === undefined ? 200 : fields.statusCode,
    responseTimeMs: fields.responseTimeMs ?? 12,
    errorMessage: fields.errorMessage ?? null,
  }
}

/** The paths of the rows a list page shows, in order. */
function listedPaths(html: string): string[] {
  return [...html.matchAll(/<td data-label="Call" class="wrap"><code>[A-Z]+ ([^<]*)<\/code>/g)].map(
    (match) => match[1] ?? '',
  )
}

/** RFC 4180 CSV, read back: quoted cells, doubled quotes, CRLF line ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"'
        index++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      cells.push(cell)
      cell = ''
    } else if (char === '\r' && text[index + 1] === '\n') {
      cells.push(cell)
      rows.push(cells)
      cells = []
      cell = ''
      index++
    } else cell += char
  }
  expect(cell === '' && cells.length === 0, 'the CSV ends with a line end').toBe(true)
  return rows
}

/**
 * A provider whose `/widgets` fails twice (503, asking for no wait), then answers 403 (not retried) with the
 * credential it was sent echoed in a header and its body, beside a refresh token of its own; `/fine` answers 200.
 */
async function startEchoingProvider(): Promise<{ url: string; server: Server; seen: number }> {
  const state = { seen: 0 }
  const server = createServer((request, response) => {
    const key = String(request.headers['x-api-key'] ?? '')
    if (request.url?.startsWith('/api/fine')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      return
    }
    state.seen += 1
    if (state.seen <= 2) {
      response.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('busy')
      return
    }
    response
      .writeHead(403, { 'content-type': 'application/json', 'x-echo': `you sent ${key}`, 'x-request-id': 'prov-77' })
      .end(
        JSON.stringify({
          error: 'forbidden',
          message: `upstream refused key ${key}`,
          debug: { refresh_token: 'rt_provider_own_secret_1234', auth: `Bearer ${key}` },
        }),
      )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    get seen() {
      return state.seen
    },
  }
}

describe('the call-log filter and export helpers', () => {
  it('reads filter times as UTC, with an offset when given, and refuses a date that does not exist', () => {
    expect(parseFilterTime('since', '2026-12-06T17:05').toISOString()).toBe('2026-12-06T17:05:00.000Z')
    expect(parseFilterTime('since', '2026-12-06T17:05:09').toISOString()).toBe('2026-12-06T17:05:09.000Z')
    expect(parseFilterTime('since', '2026-12-06').toISOString()).toBe('2026-12-06T00:00:00.000Z')
    expect(parseFilterTime('since', '2026-12-06T17:05:00.5+01:00').toISOString()).toBe('2026-12-06T16:05:00.500Z')
    for (const wrong of ['2026-02-30', 'yesterday', '2026-12-06T25:00', '1733500000'])
      expect(() => parseFilterTime('since', wrong), wrong).toThrow(/^since: expected a UTC time/)
  })

  it('turns a period into a since, lets an explicit since win, and refuses since after until', () => {
    const now = Date.parse('2026-12-06T12:00:00Z')
    expect(parseLogFilter({ range: '1h' }, now).since?.toISOString()).toBe('2026-12-06T11:00:00.000Z')
    expect(parseLogFilter({ range: '7d', since: '2026-12-06T11:30' }, now).since?.toISOString()).toBe(
      '2026-12-06T11:30:00.000Z',
    )
    expect(() => parseLogFilter({ range: '2h' }, now)).toThrow('range: expected one of 1h, 24h, 7d, 30d')
    expect(() => parseLogFilter({ since: '2026-12-06T12:00', until: '2026-12-06T11:00' }, now)).toThrow(
      'since: must be before until',
    )
    expect(() => parseLogFilter({ status: '6xx' }, now)).toThrow(/^status:/)
    expect(parseLogFilter({ path: '100%_done' }, now).pathContains).toBe('100%_done')
  })

  it('writes CSV cells by RFC 4180, with a quote in front of what a spreadsheet would run as a formula', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell(null)).toBe('')
    expect(csvCell(-5)).toBe('-5')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    for (const formula of ['=1+2', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(csvCell(formula)).toBe(formula.includes('\r') ? `"'${formula}"` : `'${formula}`)
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`)
  })
})

describe('charts', () => {
  const minute = 60_000
  const start = Date.parse('2026-12-06T10:00:00Z')
  const buckets = (values: Array<[number, number, number | null]>): SeriesBucket[] =>
    values.map(([calls, errors, p95Ms], index) => ({ start: new Date(start + index * minute), calls, errors, p95Ms }))

  it('says each bucket’s values on hover, quiet ones too, and labels both axes with their units', () => {
    const html = String(
      CallsChart({
        buckets: buckets([
          [3, 1, 120],
          [0, 0, null],
          [7, 0, 80],
        ]),
      }),
    )
    expect(html).toContain('<title>2026-12-06 10:00 (minute): 3 calls, 1 failed</title>')
    expect(html).toContain('<title>2026-12-06 10:01 (minute): 0 calls, 0 failed</title>')
    expect(html).toContain('<title>2026-12-06 10:02 (minute): 7 calls, 0 failed</title>')
    expect(html).toContain('>Calls per minute</text>')
    // No time says its zone: the page says once that times are UTC.
    expect(html).not.toContain('UTC')
    expect(html).toContain('>2026-12-06 10:00 to 2026-12-06 10:02</text>')
    // The axis tops at a round number (10 for a busiest minute of 7), with its half marked.
    expect(html).toMatch(/text-anchor="end">10<\/text>/)
    expect(html).toMatch(/text-anchor="end">5<\/text>/)
    const latency = String(
      LatencyChart({
        buckets: buckets([
          [3, 1, 120],
          [0, 0, null],
          [7, 0, 80],
        ]),
      }),
    )
    expect(latency).toContain('<title>2026-12-06 10:00 (minute): p95 120 ms</title>')
    expect(latency).toContain('<title>2026-12-06 10:01 (minute): no calls</title>')
    expect(latency).toContain('>p95 latency per minute (ms)</text>')
    expect(latency).not.toContain('UTC')
    expect(latency).toContain('>200 ms</text>')
    expect([
      niceCeiling(0),
      niceCeiling(1),
      niceCeiling(3),
      niceCeiling(7),
      niceCeiling(11),
      niceCeiling(4000),
    ]).toEqual([1, 1, 5, 10, 20, 5000])
  })

  it('shows “No calls in this period” instead of an empty 0–1 axis', () => {
    const quiet = buckets([
      [0, 0, null],
      [0, 0, null],
    ])
    for (const html of [String(CallsChart({ buckets: quiet })), String(LatencyChart({ buckets: quiet }))]) {
      expect(html).toBe('<p class="chart-empty">No calls in this period</p>')
    }
  })
})

describe.each(backends())('call logs in the dashboard on $name', (backend) => {
  let h: ConnectionHarness
  let provider: Awaited<ReturnType<typeof startEchoingProvider>>
  let get: (path: string) => Promise<Response>

  beforeAll(async () => {
    provider = await startEchoingProvider()
    h = await openConnectionHarness(backend, {
      providers: {
        echo: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${provider.url}/api` } },
        gone: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: 'http://127.0.0.1:9/api' } },
      },
      integrations: { echo: { provider: 'echo' }, gone: { provider: 'gone' }, quiet: { provider: 'echo' } },
    })
    get = await signedIn(h)
  })
  afterAll(async () => {
    await h.close()
    await new Promise((resolve) => provider.server.close(resolve))
  })

  it('filters by period, since and until, status, integration, user and path, keeping the filter in links', async () => {
    const now = Date.now()
    const ago = (minutes: number) => new Date(now - minutes * 60_000)
    await insertCallLogs(h.database.db, [
      row({ at: ago(3 * 24 * 60), endpoint: '/old/list', statusCode: 200 }),
      row({ at: ago(120), endpoint: '/two-hours/Items', statusCode: 503 }),
      row({ at: ago(30), endpoint: '/recent/items', statusCode: 429 }),
      row({ at: ago(20), endpoint: '/recent/none', statusCode: null, errorMessage: 'timeout' }),
      row({ at: ago(10), endpoint: '/recent/100%_done', statusCode: 201, userId: 'u-other' }),
      row({ at: ago(5), endpoint: '/recent/acme', statusCode: 404, integration: 'acme' }),
    ])
    const paths = async (query: string) => listedPaths(await (await get(`/logs?${query}`)).text())

    expect(await paths('userId=u-filter&range=1h')).toEqual(['/recent/acme', '/recent/none', '/recent/items'])
    expect(await paths('userId=u-filter&range=24h')).toEqual([
      '/recent/acme',
      '/recent/none',
      '/recent/items',
      '/two-hours/Items',
    ])
    const since = new Date(now - 150 * 60_000).toISOString().slice(0, 19)
    const until = new Date(now - 25 * 60_000).toISOString().slice(0, 19)
    expect(await paths(`userId=u-filter&since=${since}&until=${until}`)).toEqual(['/recent/items', '/two-hours/Items'])
    expect(await paths('userId=u-filter&status=5xx')).toEqual(['/two-hours/Items'])
    expect(await paths('userId=u-filter&status=429')).toEqual(['/recent/items'])
    expect(await paths('userId=u-filter&status=error')).toEqual([
      '/recent/acme',
      '/recent/none',
      '/recent/items',
      '/two-hours/Items',
    ])
    expect(await paths('userId=u-filter&status=2xx')).toEqual(['/old/list'])
    expect(await paths('userId=u-filter&integration=acme')).toEqual(['/recent/acme'])
    expect(await paths('userId=u-other')).toEqual(['/recent/100%_done'])
    // Path text is matched without regard to case, and `%` and `_` are plain characters, not wildcards.
    expect(await paths('userId=u-filter&path=ITEMS')).toEqual(['/recent/items', '/two-hours/Items'])
    expect(await paths('path=100%25_')).toEqual(['/recent/100%_done'])
    expect(await paths('path=0%25_d')).toEqual(['/recent/100%_done'])
    expect(await paths('path=1000')).toEqual([])

    const page = await (await get('/logs?userId=u-filter&status=5xx&range=24h')).text()
    // The form shows the filter again, and the export links carry it.
    expect(page).toContain('<option value="24h" selected="">Last 24 hours</option>')
    expect(page).toContain('name="status" list="status-classes" placeholder="5xx, 429, error" value="5xx"')
    expect(page).toContain('href="/logs/export.csv?range=24h&amp;status=5xx&amp;userId=u-filter"')
    expect(page).toContain('href="/logs/export.ndjson?range=24h&amp;status=5xx&amp;userId=u-filter"')
    expect(await paths('userId=nobody-at-all')).toEqual([])
    expect(await (await get('/logs?userId=nobody-at-all')).text()).toContain('No call matches this filter.')
  })

  it('says which filter field is wrong, on the page and for an export', async () => {
    for (const [query, message] of [
      ['since=last%20tuesday', 'since: expected a UTC time such as 2026-12-06T17:05 or 2026-12-06'],
      ['status=6xx', 'status: expected a status code (429), a class (5xx) or error'],
      ['range=2h', 'range: expected one of 1h, 24h, 7d, 30d'],
    ] as const) {
      const page = await get(`/logs?${query}`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain(`<p class="notice error" role="status">${message}</p>`)
      const exported = await get(`/logs/export.csv?${query}`)
      expect(exported.status).toBe(400)
      expect(exported.headers.get('content-disposition')).toBeNull()
      expect(await exported.text()).toContain(message)
    }
  })

  it('keeps the filter across pages', async () => {
    const base = Date.now() - 60_000
    await insertCallLogs(
      h.database.db,
      Array.from({ length: 55 }, (_, n) =>
        row({ at: new Date(base + n), userId: 'u-paged', endpoint: `/paged/${String(n).padStart(2, '0')}` }),
      ),
    )
    await insertCallLogs(h.database.db, [row({ at: new Date(base + 100), userId: 'u-unpaged', endpoint: '/paged/x' })])
    const first = await (await get('/logs?userId=u-paged&path=paged')).text()
    expect(listedPaths(first)).toHaveLength(50)
    expect(first).not.toContain('>Newest calls</a>')
    const older = /href="(\/logs\?userId=u-paged&amp;path=paged&amp;cursor=[^"]+)">Older calls<\/a>/.exec(first)?.[1]
    expect(older).toBeDefined()
    const second = await (await get((older ?? '').replaceAll('&amp;', '&'))).text()
    expect(listedPaths(second)).toEqual(['/paged/04', '/paged/03', '/paged/02', '/paged/01', '/paged/00'])
    expect(second).toContain('<a href="/logs?userId=u-paged&amp;path=paged">Newest calls</a>')
    expect(second).not.toContain('>Older calls</a>')
  })

  it('exports the filtered rows as CSV and NDJSON that read back as the list, formulas defused', async () => {
    const at = Date.now() - 120_000
    await insertCallLogs(h.database.db, [
      row({ at: new Date(at), userId: '=1+2', endpoint: '/export/a,"quoted"', statusCode: 500 }),
      row({ at: new Date(at + 1), userId: '@SUM', endpoint: '/export/b', statusCode: null, errorMessage: 'timeout' }),
      row({ at: new Date(at + 2), userId: '-2+3', endpoint: '/export/c', statusCode: 200 }),
      row({ at: new Date(at + 3), userId: '=1+2', endpoint: '/elsewhere', statusCode: 500 }),
    ])
    const csv = await get('/logs/export.csv?path=%2Fexport%2F')
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="junction-calls-\d{8}T\d{6}Z\.csv"$/)
    const table = parseCsv(await csv.text())
    expect(table[0]).toEqual([
      'createdAt',
      'id',
      'requestId',
      'integration',
      'userId',
      'method',
      'path',
      'status',
      'durationMs',
      'attempts',
      'rateLimitWaitMs',
      'error',
    ])
    const body = table.slice(1)
    expect(body.map((cells) => [cells[4], cells[6], cells[7], cells[11]])).toEqual([
      ["'-2+3", '/export/c', '200', ''],
      ["'@SUM", '/export/b', '', 'timeout'],
      ["'=1+2", '/export/a,"quoted"', '500', ''],
    ])
    expect(body[0]?.[0]).toBe(new Date(at + 2).toISOString())

    const ndjson = await get('/logs/export.ndjson?path=%2Fexport%2F&status=error')
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    expect(ndjson.headers.get('content-disposition')).toMatch(/filename="junction-calls-\d{8}T\d{6}Z\.ndjson"$/)
    const text = await ndjson.text()
    expect(text.endsWith('\n')).toBe(true)
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    // NDJSON keeps values as they are: it is read by programs, not spreadsheets.
    expect(lines.map((line) => [line.userId, line.path, line.status, line.error])).toEqual([
      ['@SUM', '/export/b', null, 'timeout'],
      ['=1+2', '/export/a,"quoted"', 500, null],
    ])
    expect(Object.keys(lines[0] ?? {})).toEqual(table[0])
    // An export needs a session, like every page.
    const signedOut = await h.app.request('/logs/export.csv', { headers: { accept: browserAccept } })
    expect(signedOut.status).toBe(303)
  })

  it('reads an export a page at a time, up to its row limit', async () => {
    const at = Date.now() - 180_000
    await insertCallLogs(
      h.database.db,
      Array.from({ length: 1_203 }, (_, n) => row({ at: new Date(at + n), userId: 'u-bulk', endpoint: `/bulk/${n}` })),
    )
    const logs = createCallLogs(h.database.db)
    const all: string[] = []
    for await (const log of logs.each({ userId: 'u-bulk' }, 100_000)) all.push(log.path)
    expect(all).toHaveLength(1_203)
    expect(all[0]).toBe('/bulk/1202')
    expect(all.at(-1)).toBe('/bulk/0')
    const capped: string[] = []
    for await (const log of logs.each({ userId: 'u-bulk' }, 501)) capped.push(log.path)
    expect(capped).toHaveLength(501)
    expect(capped.at(-1)).toBe('/bulk/702')
  })

  it('shows a failed call’s attempts, headers and error body, with no secret anywhere', async () => {
    const credential = 'echo-key-7f3a9c2d1e'
    const callerSecret = 'caller-token-55aa77bb99'
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'echo', userId: 'u-echo', credentials: { apiKey: credential } }),
    })
    // The provider's own token goes back to the caller as the provider wrote it (the proxy scrubs only the
    // credential it sent), so it is looked for on the dashboard's pages alone.
    h.leaks.secret(credential, callerSecret)
    const answer = await h.call('/v1/proxy/echo/widgets?limit=5', {
      headers: { 'junction-user-id': 'u-echo', 'x-debug-token': callerSecret, 'x-trace': 'trace-1' },
    })
    expect(answer.status).toBe(403)
    expect(answer.headers.get('junction-attempts')).toBe('3')
    await h.services.callLog.flush()

    const list = await (await get('/logs?integration=echo&status=403')).text()
    const detailPath = /href="(\/logs\/[0-9a-f-]{36})"/.exec(list)?.[1] ?? ''
    const detail = await (await get(detailPath)).text()
    expect(detail).toContain('<code>GET /widgets?limit=5</code>')
    // Each attempt, with its answer and the wait before it.
    const attempts = [...detail.matchAll(/<td data-label="Answer" class="status-error">(\d+)<\/td>/g)].map((m) => m[1])
    expect(attempts).toEqual(['503', '503', '403'])
    expect(detail.match(/<td data-label="Waited before">\d+ ms<\/td>/g)).toHaveLength(3)
    // The headers sent: the credential's header and the caller's token header redacted, the rest as sent.
    expect(detail).toContain('<dt><code>x-api-key</code></dt><dd><code>[redacted]</code></dd>')
    expect(detail).toContain('<dt><code>x-debug-token</code></dt><dd><code>[redacted]</code></dd>')
    expect(detail).toContain('<dt><code>x-trace</code></dt><dd><code>trace-1</code></dd>')
    // The provider's answer: its echo scrubbed as the caller got it, and a token of its own redacted too.
    expect(detail).toContain('<dt><code>x-echo</code></dt><dd><code>you sent [redacted]</code></dd>')
    expect(detail).toContain('<dt><code>x-request-id</code></dt><dd><code>prov-77</code></dd>')
    // Only the provider's: the headers Junction adds to its answer (its request id, attempts) are not among them.
    expect(detail).not.toContain('<dt><code>junction-')
    expect(detail).toContain('upstream refused key [redacted]')
    expect(detail).toContain('<h2>Provider&#39;s error body</h2>')
    for (const secret of [credential, callerSecret, 'rt_provider_own_secret_1234']) {
      expect(detail).not.toContain(secret)
      expect(list).not.toContain(secret)
    }
    const exported =
      (await (await get('/logs/export.csv?integration=echo')).text()) +
      (await (await get('/logs/export.ndjson?integration=echo')).text())
    expect(exported).toContain('/widgets?limit=5')
    for (const secret of [credential, callerSecret]) expect(exported).not.toContain(secret)
    // Nor is any of it in the table, where a database reader would find it.
    const stored = await h.database.db
      .selectFrom('api_logs')
      .select('details')
      .where('integration', '=', 'echo')
      .execute()
    const storedText = JSON.stringify(stored)
    for (const secret of [credential, callerSecret, 'rt_provider_own_secret_1234'])
      expect(storedText).not.toContain(secret)
  })

  it('keeps nothing more for a call that worked the first time', async () => {
    const answer = await h.call('/v1/proxy/echo/fine', { headers: { 'junction-user-id': 'u-echo' } })
    expect(answer.status).toBe(200)
    await h.services.callLog.flush()
    const stored = await h.database.db
      .selectFrom('api_logs')
      .select(['id', 'details'])
      .where('endpoint', '=', '/fine')
      .executeTakeFirstOrThrow()
    expect(stored.details).toBeNull()
    const detail = await (await get(`/logs/${stored.id}`)).text()
    expect(detail).toContain('Headers, error bodies and attempts are kept for calls that failed or were retried.')
  })

  it('shows Junction’s own error sentence for a call that got no answer', async () => {
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'gone', userId: 'u-gone', credentials: { apiKey: 'gone-key-123456' } }),
    })
    const answer = await h.call('/v1/proxy/gone/ping', {
      headers: { 'junction-user-id': 'u-gone', 'junction-retries': '0' },
    })
    expect(answer.headers.get('junction-error')).toBe('network_error')
    await h.services.callLog.flush()
    const list = await (await get('/logs?integration=gone&status=error')).text()
    const detail = await (await get(/href="(\/logs\/[0-9a-f-]{36})"/.exec(list)?.[1] ?? '')).text()
    expect(detail).toMatch(/<dt>Error message<\/dt><dd class="error-text">[^<]*GET http:\/\/127\.0\.0\.1:9\/api\/ping/)
    expect(detail).toContain('<td data-label="Answer" class="status-error">network_error</td>')
    expect(detail).toContain('None kept (the call got no answer, or ended before it was sent).')
    expect(detail).not.toContain('gone-key-123456')
  })

  it('shows one empty state on an integration page with no call in the period', async () => {
    const page = await (await get('/integrations/quiet?range=1h')).text()
    expect(page).toContain('<p class="chart-empty">No calls in this period</p>')
    expect(page).not.toContain('<svg class="chart"')
    expect(page.match(/No calls in this period/g)).toHaveLength(1)
  })
})
