/**
 * The response cache through the proxy (docs/http-api.md, "Caching"), on each database: fresh hits without a provider
 * call, revalidation with If-None-Match and a 304, answers kept apart by connection and integration, what is never
 * kept, the per-call header and the integration's switch, and the call log's `cache` column in `/v1/logs`.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { bigBody, type CacheUpstream, startCacheUpstream } from './helpers/cache-upstream.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const maxEntryBytes = 64 * 1024

describe.each(backends())('response cache ($name)', (backend) => {
  let h: ConnectionHarness
  let upstream: CacheUpstream

  beforeAll(async () => {
    upstream = await startCacheUpstream()
    h = await openConnectionHarness(backend, {
      cache: { maxEntryBytes },
      providers: { cachy: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/api` } } },
      integrations: {
        cachy: { provider: 'cachy' },
        cachyon: { provider: 'cachy', cache: true },
        other: { provider: 'cachy', cache: true },
      },
    })
    for (const integration of ['cachy', 'cachyon', 'other'])
      for (const userId of ['u_1', 'u_2']) await connect(integration, userId, `${integration}-${userId}-key`)
  })
  afterAll(async () => {
    try {
      await h?.close()
    } finally {
      await upstream?.close()
    }
  })

  async function connect(integration: string, userId: string, apiKey: string) {
    const created = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration, userId, credentials: { apiKey } }),
    })
    expect(created.status).toBe(201)
  }

  async function get(integration: string, path: string, headers: Record<string, string> = {}, userId = 'u_1') {
    const response = await h.app.request(`/v1/proxy/${integration}${path}`, {
      headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': userId, ...headers },
    })
    const bytes = new Uint8Array(await response.arrayBuffer())
    const text = Buffer.from(bytes).toString('utf8')
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      cache: response.headers.get('junction-cache'),
    }
  }

  /** The `/v1/logs` entry of a call, once the writer has written it. */
  async function logOf(requestId: string | null) {
    for (let tries = 0; tries < 100; tries++) {
      const page = (await (await h.call('/v1/logs?limit=200')).json()) as { data: Array<Record<string, unknown>> }
      const found = page.data.find((log) => log.requestId === requestId)
      if (found !== undefined) return found
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`no log for ${requestId}`)
  }

  it('is off by default: no Junction-Cache header, every call reaches the provider, the log says null', async () => {
    const first = await get('cachy', '/fresh/default')
    const second = await get('cachy', '/fresh/default')
    expect(first.headers.has('junction-cache')).toBe(false)
    expect(second.headers.has('junction-cache')).toBe(false)
    expect(second.body.n).not.toBe(first.body.n)
    expect(upstream.seen('/api/fresh/default')).toHaveLength(2)
    expect((await logOf(second.headers.get('junction-request-id'))).cache).toBeNull()
  })

  it('answers a fresh entry without a provider call: hit, Age, attempts 0, a new request id, logged as a hit', async () => {
    const first = await get('cachy', '/fresh/hit?a=1', { 'junction-cache': 'on' })
    expect(first.cache).toBe('miss')
    const second = await get('cachy', '/fresh/hit?a=1', { 'junction-cache': 'on' })
    expect(second.status).toBe(200)
    expect(second.cache).toBe('hit')
    expect(second.body).toEqual(first.body)
    expect(second.headers.get('age')).toMatch(/^\d+$/)
    expect(second.headers.get('etag')).toBe('"v1"')
    expect(second.headers.get('junction-attempts')).toBe('0')
    expect(second.headers.get('junction-request-id')).not.toBe(first.headers.get('junction-request-id'))
    expect(upstream.seen('/api/fresh/hit')).toHaveLength(1)
    // Another query is another entry.
    expect((await get('cachy', '/fresh/hit?a=2', { 'junction-cache': 'on' })).cache).toBe('miss')
    const logged = await logOf(second.headers.get('junction-request-id'))
    expect(logged).toMatchObject({ cache: 'hit', status: 200, attempts: 0 })
    expect((await logOf(first.headers.get('junction-request-id'))).cache).toBe('miss')
  })

  it('revalidates a stale entry with If-None-Match: a 304 serves the kept body as 200, logged revalidated', async () => {
    const first = await get('cachyon', '/etag/one')
    expect(first.cache).toBe('miss')
    expect(first.body.version).toBe(1)
    const second = await get('cachyon', '/etag/one')
    const sent = upstream.seen('/api/etag/one')
    expect(sent).toHaveLength(2)
    expect(sent[1]?.headers['if-none-match']).toBe('"v1"')
    expect(second.status).toBe(200)
    expect(second.cache).toBe('revalidated')
    expect(second.body).toEqual(first.body)
    expect(second.headers.get('junction-attempts')).toBe('1')
    expect(await logOf(second.headers.get('junction-request-id'))).toMatchObject({
      cache: 'revalidated',
      status: 200,
      attempts: 1,
    })
    // The provider's data changed: its 200 replaces the entry, and the next revalidation sends the new ETag.
    upstream.version.set('/api/etag/one', 2)
    const third = await get('cachyon', '/etag/one')
    expect(third.cache).toBe('miss')
    expect(third.body.version).toBe(2)
    const fourth = await get('cachyon', '/etag/one')
    expect(upstream.seen('/api/etag/one')[3]?.headers['if-none-match']).toBe('"v2"')
    expect(fourth.cache).toBe('revalidated')
    expect(fourth.body).toEqual(third.body)
  })

  it('revalidates even a fresh entry when the caller sends Cache-Control: no-cache or max-age=0', async () => {
    await get('cachyon', '/fresh/asked')
    expect((await get('cachyon', '/fresh/asked')).cache).toBe('hit')
    const asked = await get('cachyon', '/fresh/asked', { 'cache-control': 'no-cache' })
    expect(asked.cache).toBe('revalidated')
    expect((await get('cachyon', '/fresh/asked', { 'cache-control': 'max-age=0' })).cache).toBe('revalidated')
    const sent = upstream.seen('/api/fresh/asked')
    expect(sent.map((arrival) => arrival.headers['if-none-match'])).toEqual([undefined, '"v1"', '"v1"'])
  })

  it("never serves one user's answer to another, nor one integration's to another", async () => {
    const one = await get('cachyon', '/fresh/mine', {}, 'u_1')
    const two = await get('cachyon', '/fresh/mine', {}, 'u_2')
    expect(one.body.key).toBe('cachyon-u_1-key')
    expect(two.body.key).toBe('cachyon-u_2-key')
    expect(two.cache).toBe('miss')
    const viaOther = await get('other', '/fresh/mine', {}, 'u_1')
    expect(viaOther.cache).toBe('miss')
    expect(viaOther.body.key).toBe('other-u_1-key')
    expect(upstream.seen('/api/fresh/mine').map((arrival) => arrival.headers['x-api-key'])).toEqual([
      'cachyon-u_1-key',
      'cachyon-u_2-key',
      'other-u_1-key',
    ])
    // Each one's own entry is still theirs.
    expect((await get('cachyon', '/fresh/mine', {}, 'u_2')).body.key).toBe('cachyon-u_2-key')
    expect((await get('cachyon', '/fresh/mine', {}, 'u_1')).body.key).toBe('cachyon-u_1-key')
    expect(upstream.seen('/api/fresh/mine')).toHaveLength(3)
  })

  it('does not give a replaced connection (a reconnect) the old one’s entry', async () => {
    await connect('cachyon', 'u_3', 'old-account-key')
    expect((await get('cachyon', '/fresh/reconnect', {}, 'u_3')).body.key).toBe('old-account-key')
    expect((await get('cachyon', '/fresh/reconnect', {}, 'u_3')).cache).toBe('hit')
    const deleted = await h.call('/v1/connections/cachyon/u_3', { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    await connect('cachyon', 'u_3', 'new-account-key')
    const after = await get('cachyon', '/fresh/reconnect', {}, 'u_3')
    expect(after.cache).toBe('miss')
    expect(after.body.key).toBe('new-account-key')
  })

  it.each([
    ['Cache-Control: no-store', '/nostore/a'],
    ['Vary: *', '/varystar/a'],
    ['no validator and no freshness', '/noheaders/a'],
    ['a 404', '/missing/a'],
  ])('does not keep an answer with %s', async (_, path) => {
    const first = await get('cachyon', path)
    const second = await get('cachyon', path)
    expect(first.cache).toBe('miss')
    expect(second.cache).toBe('miss')
    expect(upstream.seen(`/api${path}`)).toHaveLength(2)
  })

  it('streams a body over maxEntryBytes whole and intact, and does not keep it', async () => {
    const bytes = maxEntryBytes * 3 + 123
    const expected = createHash('sha256').update(bigBody(bytes)).digest('hex')
    const first = await get('cachyon', `/big/a?bytes=${bytes}`)
    expect(first.bytes.byteLength).toBe(bytes)
    expect(createHash('sha256').update(first.bytes).digest('hex')).toBe(expected)
    const second = await get('cachyon', `/big/a?bytes=${bytes}`)
    expect(second.cache).toBe('miss')
    expect(createHash('sha256').update(second.bytes).digest('hex')).toBe(expected)
    expect(upstream.seen('/api/big/a')).toHaveLength(2)
    // At the cap, it is kept.
    await get('cachyon', `/big/b?bytes=${maxEntryBytes}`)
    const kept = await get('cachyon', `/big/b?bytes=${maxEntryBytes}`)
    expect(kept.cache).toBe('hit')
    expect(Buffer.from(kept.bytes).equals(bigBody(maxEntryBytes))).toBe(true)
  })

  it("passes the caller's own conditional headers through, neither reading nor storing", async () => {
    await get('cachyon', '/etag/own')
    const own = await get('cachyon', '/etag/own', { 'if-none-match': '"v1"' })
    expect(own.status).toBe(304)
    // The cache was not used: no Junction-Cache, and the log's `cache` is null.
    expect(own.cache).toBeNull()
    expect((await logOf(own.headers.get('junction-request-id'))).cache).toBeNull()
    const noStore = await get('cachyon', '/etag/own', { 'cache-control': 'no-store' })
    expect(noStore.status).toBe(200)
    expect(noStore.cache).toBeNull()
    const sent = upstream.seen('/api/etag/own')
    expect(sent).toHaveLength(3)
    expect(sent[2]?.headers['if-none-match']).toBeUndefined()
    expect(sent.every((arrival) => arrival.headers['junction-cache'] === undefined)).toBe(true)
  })

  it('keeps one variant per URL, the latest: another Vary value replaces it', async () => {
    const json = await get('cachyon', '/vary-accept/a', { accept: 'application/json' })
    expect(json.body.accept).toBe('application/json')
    const text = await get('cachyon', '/vary-accept/a', { accept: 'text/plain' })
    expect(text.cache).toBe('miss')
    expect(text.body.accept).toBe('text/plain')
    const again = await get('cachyon', '/vary-accept/a', { accept: 'text/plain' })
    expect(again.cache).toBe('hit')
    expect(again.body.accept).toBe('text/plain')
    // The first variant was replaced: asked again, it is a miss, never the other variant's body.
    const first = await get('cachyon', '/vary-accept/a', { accept: 'application/json' })
    expect(first.cache).toBe('miss')
    expect(first.body.accept).toBe('application/json')
    expect((await get('cachyon', '/vary-accept/a', { accept: 'text/plain' })).cache).toBe('miss')
    expect(upstream.seen('/api/vary-accept/a')).toHaveLength(4)
  })

  it('drops the entry on a 404 and keeps it on a 503', async () => {
    await get('cachyon', '/etag/drop')
    upstream.failing.set('/api/etag/drop', 503)
    const failed = await get('cachyon', '/etag/drop', { 'junction-retries': '0' })
    expect(failed.status).toBe(503)
    expect(failed.cache).toBe('miss')
    upstream.failing.delete('/api/etag/drop')
    expect((await get('cachyon', '/etag/drop')).cache).toBe('revalidated')
    upstream.failing.set('/api/etag/drop', 404)
    expect((await get('cachyon', '/etag/drop')).status).toBe(404)
    upstream.failing.delete('/api/etag/drop')
    expect((await get('cachyon', '/etag/drop')).cache).toBe('miss')
    const sent = upstream.seen('/api/etag/drop').map((arrival) => arrival.headers['if-none-match'] ?? null)
    expect(sent).toEqual([null, '"v1"', '"v1"', '"v1"', null])
  })

  it.each([401, 403])('drops the entry on a %i (a key revoked at the provider is not served on)', async (status) => {
    const path = `/etag/revoked-${status}`
    await get('cachyon', path)
    upstream.failing.set(`/api${path}`, status)
    expect((await get('cachyon', path)).status).toBe(status)
    upstream.failing.delete(`/api${path}`)
    const after = await get('cachyon', path)
    expect(after.cache).toBe('miss')
    const sent = upstream.seen(`/api${path}`).map((arrival) => arrival.headers['if-none-match'] ?? null)
    expect(sent).toEqual([null, '"v1"', null])
  })

  it('does not let a late 304 put back an older body after a newer 200 replaced it', async () => {
    const path = '/etag/race'
    await get('cachyon', path)
    // The revalidation of v1 is answered 304 at once, but the answer is held on the way.
    let release = () => {}
    upstream.held.set(`/api${path}`, new Promise<void>((resolve) => (release = resolve)))
    const late = get('cachyon', path)
    while (upstream.seen(`/api${path}`).length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    upstream.held.delete(`/api${path}`)
    // Meanwhile the data changed, and another call's 200 stored v2.
    upstream.version.set(`/api${path}`, 2)
    const newer = await get('cachyon', path)
    expect(newer.body.version).toBe(2)
    release()
    expect((await late).cache).toBe('revalidated')
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The next revalidation is of v2: the late 304 did not renew v1 over it.
    const next = await get('cachyon', path)
    expect(upstream.seen(`/api${path}`).at(-1)?.headers['if-none-match']).toBe('"v2"')
    expect(next.body.version).toBe(2)
  })

  it('says miss only when the cache was read and the provider answered', async () => {
    const noUser = await h.app.request('/v1/proxy/cachyon/fresh/no-user', {
      headers: { authorization: `Bearer ${h.key}` },
    })
    expect(noUser.status).toBe(400)
    expect(noUser.headers.get('junction-error')).toBe('missing_user_id')
    expect(noUser.headers.has('junction-cache')).toBe(false)
    expect((await logOf(noUser.headers.get('junction-request-id'))).cache).toBeNull()
  })

  it('Junction-Cache: off turns an integration’s cache off for the call; on turns it on; other values are refused', async () => {
    await get('cachyon', '/fresh/switch')
    const off = await get('cachyon', '/fresh/switch', { 'junction-cache': 'off' })
    expect(off.headers.has('junction-cache')).toBe(false)
    expect(upstream.seen('/api/fresh/switch')).toHaveLength(2)
    expect((await get('cachyon', '/fresh/switch', { 'junction-cache': 'ON' })).cache).toBe('hit')
    const bad = await get('cachyon', '/fresh/switch', { 'junction-cache': 'yes' })
    expect(bad.status).toBe(400)
    expect(bad.headers.get('junction-error')).toBe('invalid_request')
    expect(bad.body.error.message).toContain('Junction-Cache')
    expect(upstream.seen('/api/fresh/switch')).toHaveLength(2)
  })

  it("shows the cache's answer in the dashboard's call detail, and nothing for a call that did not use it", async () => {
    await get('cachyon', '/fresh/dashboard')
    const hit = await get('cachyon', '/fresh/dashboard')
    const plain = await get('cachy', '/fresh/dashboard')
    const signIn = await h.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:3003' },
      body: new URLSearchParams({ key: h.key }),
    })
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const detail = async (requestId: string | null) => {
      const { id } = await logOf(requestId)
      return (await h.app.request(`/logs/${id}`, { headers: { accept: 'text/html', cookie } })).text()
    }
    expect(await detail(hit.headers.get('junction-request-id'))).toMatch(/<dt>Cache<\/dt>\s*<dd>hit<\/dd>/)
    expect(await detail(plain.headers.get('junction-request-id'))).not.toContain('<dt>Cache</dt>')
  })

  it('caches GETs only', async () => {
    const response = await h.app.request('/v1/proxy/cachyon/fresh/post', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1', 'content-type': 'application/json' },
      body: '{}',
    })
    await response.arrayBuffer()
    expect(response.headers.has('junction-cache')).toBe(false)
  })
})
