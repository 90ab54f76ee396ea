/**
 * What the response cache keeps of a call, in memory and in Redis (docs/configuration.md, "Cache"): never the caller's
 * Junction key, cookies or the provider credential, even when the provider answers `Vary: Authorization` (GitHub
 * does) or echoes a query-string key in a success header (a pagination `Link`). Each store is watched where it is
 * written: every entry it is handed, and for Redis the bytes Redis holds.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ResponseCacheStore } from '../src/cache/cache-store.js'
import type { CachedResponse } from '../src/cache/cached-response.js'
import { createMemoryCacheStore } from '../src/cache/memory-cache-store.js'
import { createRedisCacheStore } from '../src/cache/redis-cache-store.js'
import { createLogger } from '../src/core/logger.js'
import { type ApiProxy, createProxy } from '../src/proxy/proxy.js'
import { openRedis } from '../src/storage/redis-client.js'
import { backends } from './helpers/backends.js'
import { type CacheUpstream, startCacheUpstream } from './helpers/cache-upstream.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const redisUrl = inject('redisUrl')
const userKey = 'cachy-user-key-0001'
const queryKey = 'query-user-key-0001'
const cookieSecret = 'session-cookie-secret-0001'

/** A store that hands every write on to `inner` and keeps what it was handed, for the test to read. */
function watched(inner: ResponseCacheStore): { store: ResponseCacheStore; written: Map<string, CachedResponse> } {
  const written = new Map<string, CachedResponse>()
  return {
    written,
    store: {
      get: (key) => inner.get(key),
      set: (key, entry, ttlMs) => {
        written.set(key, entry)
        inner.set(key, entry, ttlMs)
      },
      delete: (key) => inner.delete(key),
    },
  }
}

function described(entry: CachedResponse): string {
  return `${JSON.stringify({ ...entry, body: undefined })}\n${Buffer.from(entry.body).toString('latin1')}`
}

describe('what the response cache keeps', () => {
  let upstream: CacheUpstream
  let h: ConnectionHarness
  const proxies: ApiProxy[] = []
  let redis: Redis | undefined

  beforeAll(async () => {
    upstream = await startCacheUpstream()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        cachy: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/api` } },
        querykey: { auth: { type: 'api_key', query: 'api_key' }, api: { baseUrl: `${upstream.url}/api` } },
      },
      integrations: { cachy: { provider: 'cachy', cache: true }, querykey: { provider: 'querykey', cache: true } },
    })
    for (const [integration, apiKey] of [
      ['cachy', userKey],
      ['querykey', queryKey],
    ] as const) {
      const created = await h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration, userId: 'u_1', credentials: { apiKey } }),
      })
      expect(created.status).toBe(201)
    }
    h.leaks.secret(cookieSecret)
  })
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close()
    redis?.disconnect()
    try {
      await h?.close()
    } finally {
      await upstream?.close()
    }
  })

  /** A proxy over the harness's services with `store` as its cache. */
  function proxyWith(store: ResponseCacheStore): ApiProxy {
    const proxy = createProxy({
      services: h.services,
      options: {
        egress: { allowHttp: true, allowPrivateNetworks: true },
        cache: { store, maxEntryBytes: 1_048_576, revalidationWindowMs: 3_600_000, maxTtlMs: 86_400_000 },
      },
    })
    proxies.push(proxy)
    return proxy
  }

  /** A GET as the app's route hands it to the proxy: the caller's Junction key, a cookie; the body read whole. */
  async function forward(proxy: ApiProxy, integration: string, path: string) {
    const answer = await proxy.forward({
      integration,
      path,
      search: '',
      method: 'GET',
      headers: {
        authorization: `Bearer ${h.key}`,
        cookie: `session=${cookieSecret}`,
        accept: 'application/json',
        'accept-encoding': 'gzip, br',
        'junction-user-id': 'u_1',
      },
      body: undefined,
    })
    const body = answer.body instanceof ReadableStream ? await new Response(answer.body).text() : answer.body
    return { ...answer, body }
  }

  const secrets = () => [h.key, userKey, queryKey, cookieSecret]

  it.each(['memory', 'redis'] as const)(
    'keeps no Junction key, cookie or provider credential of a Vary: Authorization answer (%s)',
    async (kind) => {
      if (kind === 'redis' && redisUrl === null) return
      if (kind === 'redis') {
        redis = await openRedis(redisUrl!, createLogger({ level: 'silent' }))
        if (redis.status !== 'ready') await new Promise((resolve) => redis!.once('ready', resolve))
      }
      const inner =
        kind === 'memory'
          ? createMemoryCacheStore({ maxBytes: 1_000_000, maxEntryBytes: 1_000_000 })
          : createRedisCacheStore(redis!, createLogger({ level: 'silent' }), {
              readTimeoutMs: 500,
              maxEntryBytes: 1_000_000,
            })
      const { store, written } = watched(inner)
      const proxy = proxyWith(store)
      const path = `/vary-auth/${kind}`
      const first = await forward(proxy, 'cachy', path)
      expect(first.status).toBe(200)
      expect(first.headers['junction-cache']).toBe('miss')
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(written.size).toBe(1)
      const [key, entry] = [...written][0]!
      // The values the provider was sent: no credential of any kind, the identity encoding Junction asks for.
      expect(Object.fromEntries(entry.vary)).toEqual({
        accept: 'application/json',
        authorization: null,
        cookie: null,
        'accept-encoding': 'identity',
        'x-api-key': null,
      })
      for (const secret of secrets()) expect(described(entry)).not.toContain(secret)
      expect(h.leaks.secretsIn(described(entry))).toEqual([])
      if (kind === 'redis') {
        const raw = (await redis!.getBuffer(`junction:cache:${key}`))?.toString('latin1')
        expect(raw).toBeDefined()
        for (const secret of secrets()) expect(raw).not.toContain(secret)
      }
      // The same call again is the same variant: a hit.
      expect((await forward(proxy, 'cachy', path)).headers['junction-cache']).toBe('hit')
    },
  )

  it('serves a Vary: Authorization entry to another Junction key of the app (the provider saw the same call)', async () => {
    const other = (await h.apiKeys.create('second')).key
    const get = async (key: string) => {
      const response = await h.app.request('/v1/proxy/cachy/vary-auth/app', {
        headers: { authorization: `Bearer ${key}`, 'junction-user-id': 'u_1' },
      })
      await response.arrayBuffer()
      return response.headers.get('junction-cache')
    }
    expect(await get(h.key)).toBe('miss')
    expect(await get(other)).toBe('hit')
  })

  it('scrubs a query key echoed in a success header from what it keeps, and from the answer it keeps', async () => {
    const { store, written } = watched(createMemoryCacheStore({ maxBytes: 1_000_000, maxEntryBytes: 1_000_000 }))
    const proxy = proxyWith(store)
    const first = await forward(proxy, 'querykey', '/link-echo/direct')
    expect(first.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const [, entry] = [...written][0]!
    expect(entry.headers.link).toContain('api_key=[redacted]')
    expect(described(entry)).not.toContain(queryKey)
    // Through the app: the miss and the hit answer the same scrubbed Link (the leak watch reads both at close).
    const get = async () => {
      const response = await h.app.request('/v1/proxy/querykey/link-echo/app', {
        headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1' },
      })
      await response.arrayBuffer()
      return { cache: response.headers.get('junction-cache'), link: response.headers.get('link') }
    }
    const miss = await get()
    const hit = await get()
    expect(miss.cache).toBe('miss')
    expect(hit).toEqual({ cache: 'hit', link: miss.link })
    expect(hit.link).toContain('api_key=[redacted]')
    expect(upstream.seen('/api/link-echo/app')[0]?.path).toContain(`api_key=${queryKey}`)
  })
})
