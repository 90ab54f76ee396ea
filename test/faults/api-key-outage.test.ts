/**
 * The hub's own API keys while PostgreSQL is away: a key verified lately keeps being accepted for as long as the
 * credentials the hub holds serve an outage, so that calls whose credentials it holds keep going past the key
 * cache's lifetime; a key it has not verified lately gets 503 `unavailable` (with `Junction-Error`), never 401. Once
 * the database answers, a key revoked elsewhere stops working within the cache's normal lifetime.
 * Durations are shortened: key cache 1 s, credential cache 1 s, outage grace 30 s.
 */

import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKeys } from '../../src/api-keys/api-keys.js'
import { loadConfig } from '../../src/config/config.js'
import type { Hub } from '../../src/hub/hub.js'
import { openHub } from '../../src/hub/open-hub.js'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/backends.js'
import { capturedLogger } from '../helpers/captured-logger.js'
import { temporaryDirectory } from '../helpers/cli.js'
import { type FakeUpstream, startUpstream } from '../helpers/fake-upstream.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const keyCacheMs = 1_000
const credentialCacheMs = 1_000
const outageGraceMs = 30_000

describe.runIf(postgresAdminUrl() !== null)('API keys while PostgreSQL is cut off', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let upstream: FakeUpstream
  let hub: Hub
  let app: Hono
  const workdir = temporaryDirectory()

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    // A database call fails within a second or two once the proxy refuses connections.
    viaProxy.searchParams.set('connect_timeout', '2')
    upstream = await startUpstream()
    const options = loadConfig({
      cwd: workdir.path,
      env: {
        JUNCTION_DATABASE_URL: viaProxy.toString(),
        JUNCTION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        JUNCTION_SANDBOX: '0',
      },
      file: {
        providers: {
          keyedapp: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/app` } },
          userapi: {
            auth: { type: 'oauth2', authorizeUrl: `${upstream.url}/authorize`, tokenUrl: `${upstream.url}/token` },
            api: { baseUrl: `${upstream.url}/user` },
          },
        },
        integrations: {
          keyedapp: { provider: 'keyedapp', apiKey: 'app-level-key' },
          userapi: { provider: 'userapi', clientId: 'client', clientSecret: 'client-secret' },
        },
      },
    })
    hub = await openHub(options, capturedLogger().logger, {
      tuning: { credentialCache: { ttlMs: credentialCacheMs, outageGraceMs } },
      apiKeys: { cacheTtlMs: keyCacheMs },
    })
    app = hub.app()
  })
  afterAll(async () => {
    tcp?.restore()
    await hub?.close()
    await upstream?.close()
    await tcp?.close()
    await created?.drop()
    workdir.remove()
  })

  const call = (key: string, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${key}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    return app.request(path, { ...init, headers })
  }
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('keeps accepting a key verified lately past its cache lifetime, and answers a cold key 503 unavailable', async () => {
    const warm = (await hub.apiKeys.create('warm')).key
    const cold = (await hub.apiKeys.create('cold')).key
    const imported = await call(warm, '/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'userapi',
        userId: 'u_warm',
        credentials: { accessToken: 'user-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    })
    expect(imported.status).toBe(201)
    const appCall = () => call(warm, '/v1/proxy/keyedapp/items')
    const userCall = () => call(warm, '/v1/proxy/userapi/items', { headers: { 'junction-user-id': 'u_warm' } })
    // Warm: the key, and the user's credentials, are now held in memory.
    expect((await appCall()).status).toBe(200)
    expect((await userCall()).status).toBe(200)

    tcp.cut()
    try {
      // Past both caches' normal lifetime: only the outage grace keeps them.
      await pause(Math.max(keyCacheMs, credentialCacheMs) + 1_500)
      const [appAnswer, userAnswer] = await Promise.all([appCall(), userCall()])
      expect(appAnswer.status).toBe(200)
      expect(userAnswer.status).toBe(200)
      // What needs the database is Junction's own 503, never mistakable for a provider's.
      const listed = await call(warm, '/v1/connections')
      expect(listed.status).toBe(503)
      expect(listed.headers.get('junction-error')).toBe('unavailable')
      const coldAnswer = await call(cold, '/v1/proxy/keyedapp/items')
      expect(coldAnswer.status).toBe(503)
      expect(coldAnswer.headers.get('junction-error')).toBe('unavailable')
      expect(await coldAnswer.json()).toMatchObject({ error: { code: 'unavailable' } })
    } finally {
      tcp.restore()
    }
  })

  it('stops accepting a key revoked elsewhere within the cache lifetime once the database answers', async () => {
    const key = (await hub.apiKeys.create('revoked elsewhere')).key
    expect((await call(key, '/v1/proxy/keyedapp/items')).status).toBe(200)
    // Another instance of the hub (its own cache) revokes it.
    const elsewhere = createApiKeys(hub.database.db)
    const info = (await elsewhere.listAll()).find((entry) => entry.name === 'revoked elsewhere')!
    await elsewhere.revoke(info.id)
    await pause(keyCacheMs + 500)
    const refused = await call(key, '/v1/proxy/keyedapp/items')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('junction-error')).toBe('unauthorized')
  })
})
