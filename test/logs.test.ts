/** `GET /v1/logs`: the call log, newest first, with its filters and paging, on both database backends. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CallLogEntry, insertCallLogs, queuedCallLog } from '../src/storage/api-logs-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('the call log API on $name', (backend) => {
  let h: ConnectionHarness
  let since: string

  const entry = (integration: string, userId: string | null, statusCode: number | null, n: number): CallLogEntry => ({
    requestId: `request-${n}`,
    userId,
    integration,
    provider: 'acme',
    endpoint: `/items/${n}`,
    method: 'GET',
    statusCode,
    responseTimeMs: 10 + n,
    errorMessage: statusCode === null ? 'timeout' : null,
    attempts: 1,
    rateLimitWaitMs: n,
  })

  beforeAll(async () => {
    h = await openConnectionHarness(backend)
    const rows: Array<[string, string | null, number | null]> = [
      ['logs-a', 'u_1', 200],
      ['logs-a', 'u_2', 429],
      ['logs-b', 'u_1', 503],
      ['logs-a', null, null],
    ]
    for (const [n, [integration, userId, status]] of rows.entries())
      await insertCallLogs(h.database.db, [queuedCallLog(entry(integration, userId, status, n))])
    // Timestamps come from the database: wait past the last one, then log more.
    await new Promise((resolve) => setTimeout(resolve, 20))
    since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await insertCallLogs(h.database.db, [queuedCallLog(entry('logs-b', 'u_2', 201, 4))])
  })
  afterAll(() => h.close())

  const list = async (query: string) => {
    const response = await h.call(`/v1/logs?${query}`)
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const paths = async (query: string) =>
    ((await list(query)).body.data as Array<{ path: string }>).map((log) => log.path)

  it('lists calls newest first, in the Log shape', async () => {
    const { status, body } = await list('integration=logs-a')
    expect(status).toBe(200)
    expect(body.nextCursor).toBeNull()
    const data = body.data as Array<Record<string, unknown>>
    expect(data.map((log) => log.path)).toEqual(['/items/3', '/items/1', '/items/0'])
    expect(data[1]).toEqual({
      id: expect.any(String),
      requestId: 'request-1',
      integration: 'logs-a',
      userId: 'u_2',
      method: 'GET',
      path: '/items/1',
      status: 429,
      durationMs: 11,
      attempts: 1,
      rateLimitWaitMs: 1,
      cache: null,
      error: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    })
  })

  it('filters by user, exact status, status class, errors and time', async () => {
    expect(await paths('userId=u_1')).toEqual(['/items/2', '/items/0'])
    expect(await paths('status=429')).toEqual(['/items/1'])
    expect(await paths('status=5xx')).toEqual(['/items/2'])
    expect(await paths('status=2xx&integration=logs-b')).toEqual(['/items/4'])
    expect(await paths('status=error')).toEqual(['/items/3', '/items/2', '/items/1'])
    expect(await paths(`since=${encodeURIComponent(since)}`)).toEqual(['/items/4'])
  })

  it('pages with an opaque cursor, without repeating or skipping a row', async () => {
    const first = await list('limit=2&integration=logs-a')
    expect((first.body.data as unknown[]).length).toBe(2)
    expect(first.body.nextCursor).toEqual(expect.any(String))
    const rest = await paths(`limit=2&integration=logs-a&cursor=${first.body.nextCursor as string}`)
    expect(rest).toEqual(['/items/0'])
  })

  it('refuses a bad status, time, cursor or unknown parameter with 400', async () => {
    for (const query of ['status=6xx', 'status=ok', 'since=yesterday', 'cursor=bm9wZQ', 'colour=red', 'limit=0']) {
      const { status, body } = await list(query)
      expect({ query, status, code: (body.error as { code: string }).code }).toEqual({
        query,
        status: 400,
        code: 'invalid_request',
      })
    }
  })

  it('needs an API key', async () => {
    expect((await h.app.request('/v1/logs')).status).toBe(401)
  })
})
