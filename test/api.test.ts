/** The HTTP API in process (`app.request()`), over both database backends. */
import { execFileSync } from 'node:child_process'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiKeys, createApiKeys } from '../src/api-keys/api-keys.js'
import { createApp } from '../src/server/app.js'
import { openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { backends, createPostgresDatabase, postgresAdminUrl, type TestDatabase } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { startTcpProxy } from './helpers/tcp-proxy.js'

describe.each(backends())('HTTP API on $name', (backend) => {
  let database: TestDatabase
  let apiKeys: ApiKeys
  let key: string
  const { logger, lines } = capturedLogger()
  let app: ReturnType<typeof createApp>

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
    apiKeys = createApiKeys(database.db)
    key = (await apiKeys.create('test')).key
    app = createApp({ apiKeys, database, logger, maxBodyBytes: 1024 })
  })
  afterAll(() => database.close())

  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers)
    const bearer = init.key === undefined ? key : init.key
    if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`)
    return app.request(path, { ...init, headers })
  }

  it('answers /health without a key', async () => {
    const response = await app.request('/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', database: 'ok' })
  })

  it('gives one 401 body for a missing, malformed, unknown or revoked key, and for a cookie', async () => {
    const created = await apiKeys.create('soon revoked')
    await apiKeys.revoke(created.info.id)
    const attempts = [
      call('/v1/api-keys', { key: null }),
      call('/v1/api-keys', { key: 'not-a-key' }),
      call('/v1/api-keys', { key: `jnc_${'A'.repeat(43)}` }),
      call('/v1/api-keys', { key: created.key }),
      call('/v1/api-keys', { key: null, headers: { cookie: `session=${key}` } }),
      call('/v1/api-keys', {
        key: null,
        headers: { authorization: `Basic ${Buffer.from(`x:${key}`).toString('base64')}` },
      }),
    ]
    const responses = await Promise.all(attempts)
    const bodies = await Promise.all(responses.map((response) => response.text()))
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 401, 401, 401])
    expect(new Set(bodies).size).toBe(1)
    expect(JSON.parse(bodies[0]!)).toEqual({
      error: { code: 'unauthorized', message: 'a valid API key is required as Authorization: Bearer <key>' },
    })
  })

  it('creates a key (shown once), lists keys without it, and revokes it', async () => {
    const created = await call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'deploy bot' }) })
    expect(created.status).toBe(201)
    const body = (await created.json()) as { id: string; key: string; prefix: string; name: string }
    expect(body.key).toMatch(/^jnc_[A-Za-z0-9_-]{43}$/)
    expect(body.prefix).toBe(body.key.slice(0, 12))

    const listed = await (await call('/v1/api-keys')).text()
    expect(listed).toContain(body.id)
    expect(listed).not.toContain(body.key)
    expect(JSON.parse(listed)).toMatchObject({ nextCursor: null })

    expect((await call('/v1/api-keys', { key: body.key })).status).toBe(200)
    expect((await call(`/v1/api-keys/${body.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await call('/v1/api-keys', { key: body.key })).status).toBe(401)
    expect(await (await call('/v1/api-keys')).text()).not.toContain(body.id)
  })

  it('pages the key list with limit and cursor', async () => {
    const first = (await (await call('/v1/api-keys?limit=1')).json()) as { data: unknown[]; nextCursor: string }
    expect(first.data).toHaveLength(1)
    const second = (await (await call(`/v1/api-keys?limit=1&cursor=${first.nextCursor}`)).json()) as { data: unknown[] }
    expect(second.data).not.toEqual(first.data)
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'cursor=bogus', 'colour=red']) {
      const response = await call(`/v1/api-keys?${query}`)
      expect(response.status, query).toBe(400)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
    }
  })

  it('answers every failure with the error shape', async () => {
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const body = (await response.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe(code)
      expect(body.error.message.length).toBeGreaterThan(0)
    }
    await expectError(await call('/nowhere', { key: null }), 404, 'not_found')
    await expectError(await call('/v1/nowhere'), 404, 'not_found')
    await expectError(await call('/v1/api-keys', { method: 'POST', body: '{"name":' }), 400, 'invalid_json')
    await expectError(await call('/v1/api-keys', { method: 'POST', body: '{"name":""}' }), 400, 'invalid_request')
    await expectError(
      await call('/v1/api-keys', { method: 'POST', body: '{"name":"a","x":1}' }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(2000) }) }),
      413,
      'payload_too_large',
    )
    await expectError(await call('/v1/api-keys/not-a-uuid', { method: 'DELETE' }), 400, 'invalid_request')
    await expectError(
      await call('/v1/api-keys/6f1c1c1e-8a51-4d7e-9c53-5b2f0e1d9a10', { method: 'DELETE' }),
      404,
      'not_found',
    )
  })

  it('answers an unexpected failure with a generic 500 and logs it redacted', async () => {
    const failing: ApiKeys = {
      ...apiKeys,
      list: async () => {
        throw new Error(`connection to postgres://junction:pw@db failed while using ${key}`)
      },
    }
    const failingApp = createApp({ apiKeys: failing, database, logger })
    const response = await failingApp.request('/v1/api-keys', { headers: { authorization: `Bearer ${key}` } })
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal_error', message: 'Junction failed to handle this request; the error was logged' },
    })
    const logged = lines.join('')
    expect(logged).toContain('unexpected error')
    expect(logged).toContain('postgres://junction:[redacted]@db')
    expect(logged).not.toContain(key)
    expect(logged).not.toContain(':pw@')
  })

  it('keeps every key out of the database and out of the logs', async () => {
    const created = await apiKeys.create('scan me')
    await call('/v1/api-keys', { key: created.key })
    // A failure whose text holds the key is logged (redacted) here, whatever ran before.
    const leaky: ApiKeys = { ...apiKeys, list: () => Promise.reject(new Error(`list failed for ${created.key}`)) }
    const headers = { authorization: `Bearer ${key}` }
    await createApp({ apiKeys: leaky, database, logger }).request('/v1/api-keys', { headers })
    expect(lines.join('')).toContain('list failed for [redacted]')
    const { rows } = await sql<{ row: unknown }>`select row_to_json(k) as row from api_keys k`.execute(database.db)
    const stored = JSON.stringify(rows)
    expect(stored).toContain(created.info.id)
    for (const secret of [key, created.key]) {
      expect(stored).not.toContain(secret)
      expect(stored).not.toContain(secret.slice(12))
      expect(lines.join('')).not.toContain(secret)
    }
    if (database.url !== undefined) {
      const dump = execFileSync('pg_dump', ['--data-only', database.url], { encoding: 'utf8' })
      expect(dump).toContain(created.info.id)
      expect(dump).not.toContain(created.key)
    }
  })
})

describe('health of a database that stopped answering', () => {
  it('is 503', async () => {
    const [pglite] = backends()
    const database = await pglite!.open()
    await migrateToLatest(database)
    const app = createApp({ apiKeys: createApiKeys(database.db), database, logger: capturedLogger().logger })
    await database.close()
    const response = await app.request('/health')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ status: 'unavailable' })
  })
})

describe.runIf(postgresAdminUrl() !== null)('health while PostgreSQL is cut off', () => {
  it('is 503 during the outage and 200 again once it is back, without a restart', async () => {
    const created = await createPostgresDatabase(postgresAdminUrl()!)
    const admin = new URL(created.url)
    const proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(proxy.port)
    const database = await openDatabase({ backend: 'postgres', url: viaProxy.toString(), poolSize: 2 })
    try {
      await migrateToLatest(database)
      const apiKeys = createApiKeys(database.db)
      const key = (await apiKeys.create('outage')).key
      const app = createApp({ apiKeys, database, logger: capturedLogger().logger })
      expect((await app.request('/health')).status).toBe(200)
      proxy.cut()
      const started = Date.now()
      expect((await app.request('/health')).status).toBe(503)
      // Refused at once; the bound (well above the pool's 5 s connect timeout) only tells an answer from a hang.
      expect(Date.now() - started).toBeLessThan(20_000)
      const refused = await app.request('/v1/api-keys', { headers: { authorization: `Bearer ${key}` } })
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ error: { code: 'unavailable' } })
      proxy.restore()
      expect((await app.request('/health')).status).toBe(200)
    } finally {
      await database.close()
      await proxy.close()
      await created.drop()
    }
  })
})
