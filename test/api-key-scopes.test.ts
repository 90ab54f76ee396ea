/**
 * API key scopes (docs/http-api.md, "API keys"): `admin` does everything, `read` only reads under /v1 (never a path
 * ending in /token), `metrics` only /metrics; anything else is 403 `forbidden`. Every route the app registers
 * is walked with each scope, so a route added without a line in the scope table is found (and is admin-only meanwhile).
 */
import { Migrator } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKeyScope } from '../src/api-keys/key-scope.js'
import { routeRules } from '../src/server/middleware/api-key-scope.js'
import { nodeRoutesOf } from '../src/server/node-routes.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { migrations } from '../src/storage/migrations/index.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const origin = 'http://localhost:3003'

/** The contract, written out on its own: what a read key may call. */
function readMay(method: string, path: string): boolean {
  return method === 'GET' && path.startsWith('/v1/') && !path.endsWith('/token')
}

/** …and what a metrics key may call. */
function metricsMay(method: string, path: string): boolean {
  return method === 'GET' && path === '/metrics'
}

/** A request path for a route pattern: a value for each parameter, a path for the wildcard. */
function concretePath(pattern: string): string {
  return pattern
    .replace(/:id\b/g, '6f1c1c1e-8a51-4d7e-9c53-5b2f0e1d9a10')
    .replace(/:integration\b/g, 'acme')
    .replace(/:userId\b/g, 'walker')
    .replace(/\/\*$/, '/some/path')
}

/** `app.use` entries: the middleware, not routes of their own. */
const middleware = new Set(['ALL *', 'ALL /v1/*', 'ALL /metrics'])

describe.each(backends())('API key scopes on $name', (backend) => {
  let h: ConnectionHarness
  const keys = {} as Record<ApiKeyScope, string>

  beforeAll(async () => {
    h = await openConnectionHarness(backend)
    keys.admin = h.key
    keys.read = (await h.apiKeys.create('reader', 'read')).key
    keys.metrics = (await h.apiKeys.create('scraper', 'metrics')).key
    h.leaks.secret(keys.read, keys.metrics)
    const imported = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId: 'alice',
        credentials: { accessToken: 'at-alice-scopes', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    })
    expect(imported.status).toBe(201)
    h.leaks.secret('at-alice-scopes')
  })
  afterAll(() => h.close())

  const call = (scope: ApiKeyScope, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${keys[scope]}`)
    return h.app.request(path, { ...init, headers })
  }

  const expectForbidden = async (response: Response) => {
    expect(response.status).toBe(403)
    expect(response.headers.get('junction-error')).toBe('forbidden')
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('forbidden')
    expect(body.error.message).toMatch(/scope/)
  }

  it('refuses a read key that imports a connection, reads a token, writes through the proxy, or manages keys', async () => {
    const body = JSON.stringify({ integration: 'acme', userId: 'bob', credentials: { accessToken: 'at-bob' } })
    await expectForbidden(await call('read', '/v1/connections', { method: 'POST', body }))
    await expectForbidden(await call('read', '/v1/connections/acme/alice/token'))
    await expectForbidden(
      await call('read', '/v1/proxy/acme/me', { method: 'POST', headers: { 'junction-user-id': 'alice' }, body: '{}' }),
    )
    await expectForbidden(
      await call('read', '/v1/proxy/acme/oauth/token', { headers: { 'junction-user-id': 'alice' } }),
    )
    await expectForbidden(await call('read', '/v1/api-keys', { method: 'POST', body: '{"name":"more"}' }))
    await expectForbidden(await call('read', '/v1/connections/acme/alice', { method: 'DELETE' }))
    await expectForbidden(await call('read', '/metrics'))
    expect((await h.call('/v1/connections/acme/bob')).status).toBe(404)
  })

  it('lets a read key read connections, the key list, logs, events and health, and GET through the proxy', async () => {
    for (const path of [
      '/v1/api-keys',
      '/v1/connections',
      '/v1/connections/acme/alice',
      '/v1/logs',
      '/v1/events',
      '/v1/health/integrations',
    ]) {
      expect((await call('read', path)).status, path).toBe(200)
    }
    const one = (await (await call('read', '/v1/connections/acme/alice')).json()) as { userId: string }
    expect(one.userId).toBe('alice')
    // Past the key check: the call reached the provider (whose answer to this imported token is its own refusal).
    const proxied = await call('read', '/v1/proxy/acme/me', { headers: { 'junction-user-id': 'alice' } })
    expect(proxied.headers.get('junction-error')).toBeNull()
    expect(Number(proxied.headers.get('junction-attempts'))).toBeGreaterThanOrEqual(1)
  })

  it('lets a metrics key read /metrics and nothing else', async () => {
    const metrics = await call('metrics', '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    await expectForbidden(await call('metrics', '/v1/connections'))
    await expectForbidden(await call('metrics', '/v1/logs'))
    await expectForbidden(await call('metrics', '/v1/api-keys'))
  })

  it('lets an admin key do everything', async () => {
    for (const path of [
      '/v1/connections',
      '/v1/connections/acme/alice/token',
      '/v1/api-keys',
      '/metrics',
      '/v1/logs',
    ]) {
      expect((await call('admin', path)).status, path).toBe(200)
    }
    const created = await call('admin', '/v1/api-keys', { method: 'POST', body: '{"name":"another admin"}' })
    expect(created.status).toBe(201)
    const key = (await created.json()) as { id: string; key: string; scope: string }
    expect(key.scope).toBe('admin')
    expect((await call('admin', `/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(204)
  })

  it('creates keys with a scope, lists the scope, and refuses an unknown scope', async () => {
    const created = await h.call('/v1/api-keys', { method: 'POST', body: '{"name":"dashboards","scope":"read"}' })
    expect(created.status).toBe(201)
    const body = (await created.json()) as { id: string; key: string; scope: string }
    // (Its one answer holds the key: not a leak, so it is not named to the leak watch.)
    expect(body.scope).toBe('read')
    const listed = (await (await h.call('/v1/api-keys?limit=500')).json()) as {
      data: Array<{ id: string; scope: string }>
    }
    expect(listed.data.find((key) => key.id === body.id)?.scope).toBe('read')
    expect(listed.data.map((key) => key.scope)).toEqual(expect.arrayContaining(['admin', 'read', 'metrics']))
    const bogus = await h.call('/v1/api-keys', { method: 'POST', body: '{"name":"x","scope":"write"}' })
    expect(bogus.status).toBe(400)
    expect(((await bogus.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
    await expect(h.apiKeys.create('x', 'write' as ApiKeyScope)).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it('signs in to the dashboard with an admin key only', async () => {
    const signIn = (key: string) =>
      h.app.request('/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ key }),
      })
    for (const scope of ['read', 'metrics'] as const) {
      const refused = await signIn(keys[scope])
      expect(refused.status, scope).toBe(303)
      expect(refused.headers.get('location')).toBe('/sign-in?refused=1')
      expect(refused.headers.get('set-cookie')).toBeNull()
    }
    const page = await (await h.app.request('/sign-in?refused=1')).text()
    expect(page).toContain('or is not an admin key')
    const admitted = await signIn(keys.admin)
    expect(admitted.status).toBe(303)
    expect(admitted.headers.get('location')).not.toContain('refused')
    expect(admitted.headers.get('set-cookie')).not.toBeNull()
  })

  it('shows and sets the scope on the dashboard key page', async () => {
    const signedIn = await h.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ key: keys.admin }),
    })
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!
    const page = await (await h.app.request('/keys', { headers: { cookie, accept: 'text/html' } })).text()
    expect(page).toContain('<select id="key-scope" name="scope">')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    const post = (fields: Record<string, string>) =>
      h.app.request('/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
      })
    expect((await post({ name: 'grafana', scope: 'metrics' })).status).toBe(303)
    const grafana = (await h.apiKeys.listAll()).find((key) => key.name === 'grafana')
    expect(grafana?.scope).toBe('metrics')
    expect((await post({ name: 'odd', scope: 'root' })).status).toBe(303)
    expect((await h.apiKeys.listAll()).some((key) => key.name === 'odd')).toBe(false)
    const listedPage = await (await h.app.request('/keys', { headers: { cookie, accept: 'text/html' } })).text()
    expect(listedPage).toMatch(/grafana<\/td><td data-label="Scope">metrics<\/td>/)
  })

  it('classifies every route the app registers, as the contract says', async () => {
    const registered = h.app.routes
      .map((route) => ({ method: route.method, path: route.path.replace(/(.)\/$/, '$1') }))
      .filter(({ method, path }) => !middleware.has(`${method} ${path}`))
      .filter(({ path }) => path.startsWith('/v1/') || path === '/metrics')
    const unique = [...new Map(registered.map((route) => [`${route.method} ${route.path}`, route])).values()]
    expect(unique.length).toBeGreaterThan(15)
    const unclassified = unique.filter(
      (route) => !routeRules.some((rule) => rule.method === route.method && rule.path === route.path),
    )
    expect(unclassified, 'add each to routeRules in server/middleware/api-key-scope.ts').toEqual([])

    const wrong: string[] = []
    for (const route of unique) {
      const path = concretePath(route.path)
      for (const method of route.method === 'ALL' ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] : [route.method]) {
        const init = { method, headers: { 'junction-user-id': 'walker' } }
        for (const [scope, may] of [
          ['read', readMay(method, path)],
          ['metrics', metricsMay(method, path)],
          ['admin', true],
        ] as const) {
          const status = (await call(scope, path, init)).status
          if ((status === 403) === may) wrong.push(`${scope} ${method} ${path}: ${status}`)
        }
      }
    }
    expect(wrong).toEqual([])
  })

  it('serves no API-key route on Node ahead of the app, where the key check would not run', () => {
    const prefixes = nodeRoutesOf(h.app).map((route) => route.prefix)
    expect(prefixes).toContain('/webhooks/')
    // The proxy's Node route checks the key and its scope itself (test/proxy-node-route.test.ts).
    const keyed = prefixes.filter((prefix) => /^\/(?:v1|metrics)(?:\/|$)/.test(prefix))
    expect(keyed.filter((prefix) => prefix !== '/v1/proxy/')).toEqual([])
  })
})

describe('keys made before scopes', () => {
  it('become admin keys', async () => {
    const [pglite] = backends()
    const database = await pglite!.open()
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0010-api-key-scopes'))
      const { error } = await new Migrator({
        db: database.db,
        provider: { getMigrations: async () => before },
        migrationTableName: 'junction_migrations',
        migrationLockTableName: 'junction_migrations_lock',
      }).migrateToLatest()
      expect(error).toBeUndefined()
      await database.db
        .insertInto('api_keys')
        .values({ id: '6f1c1c1e-8a51-4d7e-9c53-5b2f0e1d9a10', name: 'old', prefix: 'jnc_old', hash: 'h' })
        .execute()
      await migrateToLatest(database)
      const row = await database.db.selectFrom('api_keys').select('scope').executeTakeFirstOrThrow()
      expect(row.scope).toBe('admin')
    } finally {
      await database.close()
    }
  })
})
