/**
 * The response cache in Redis (docs/configuration.md, "cache"): two hubs on one Redis share entries, and a Redis that
 * is cut or stalls never fails a call (each read is a miss after its timeout) and is logged once per outage.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRedisCacheStore, maxPendingRedisWrites } from '../src/cache/redis-cache-store.js'
import { createLogger } from '../src/core/logger.js'
import { openRedis } from '../src/storage/redis-client.js'
import { backends } from './helpers/backends.js'
import { type CacheUpstream, startCacheUpstream } from './helpers/cache-upstream.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const redisUrl = inject('redisUrl')

describe.skipIf(redisUrl === null)('response cache in Redis', () => {
  let upstream: CacheUpstream
  const harnesses: ConnectionHarness[] = []
  const clients: Redis[] = []
  let tcp: TcpProxy

  async function hubOn(url: string, appKey = 'app-level-key'): Promise<ConnectionHarness> {
    const redis = await openRedis(url, silent())
    clients.push(redis)
    const [pglite] = backends()
    const h = await openConnectionHarness(pglite!, {
      env: { JUNCTION_REDIS_URL: url },
      redis,
      cache: { store: 'redis' },
      cacheTuning: { readTimeoutMs: 50 },
      providers: { cachy: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/api` } } },
      // App-level: the entry's key is the same on every hub with the same app key (not a connection's row id).
      integrations: { shared: { provider: 'cachy', apiKey: appKey, cache: true } },
    })
    harnesses.push(h)
    return h
  }

  beforeAll(async () => {
    upstream = await startCacheUpstream()
    const target = new URL(redisUrl!)
    tcp = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) })
  })
  afterAll(async () => {
    for (const h of harnesses) await h.close()
    for (const client of clients) client.disconnect()
    await tcp?.close()
    await upstream?.close()
  })

  async function get(h: ConnectionHarness, path: string) {
    const response = await h.app.request(`/v1/proxy/shared${path}`, { headers: { authorization: `Bearer ${h.key}` } })
    const body = (await response.json()) as { key?: string }
    return { status: response.status, body, cache: response.headers.get('junction-cache') }
  }

  it("gives a second hub a hit from the first hub's entry", async () => {
    const first = await hubOn(redisUrl!)
    const second = await hubOn(redisUrl!)
    const stored = await get(first, '/fresh/two-hubs')
    expect(stored.cache).toBe('miss')
    // The write is not awaited by the call: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const shared = await get(second, '/fresh/two-hubs')
    expect(shared.cache).toBe('hit')
    expect(shared.body).toEqual(stored.body)
    expect(upstream.seen('/api/fresh/two-hubs')).toHaveLength(1)
    // A revalidation on the second hub renews the entry for both.
    await get(first, '/etag/two-hubs')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await get(second, '/etag/two-hubs')).cache).toBe('revalidated')
  })

  it("gives a hub whose app key changed none of the old key's entries", async () => {
    const before = await hubOn(redisUrl!, 'app-key-before-rotation')
    const after = await hubOn(redisUrl!, 'app-key-after-rotation')
    expect((await get(before, '/fresh/rotated')).body.key).toBe('app-key-before-rotation')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await get(before, '/fresh/rotated')).cache).toBe('hit')
    const rotated = await get(after, '/fresh/rotated')
    expect(rotated.cache).toBe('miss')
    expect(rotated.body.key).toBe('app-key-after-rotation')
  })

  it('bounds the writes in flight to a stalled Redis, and sends none once a read timed out', async () => {
    const storeOn = async () => {
      const redis = await openRedis(`redis://127.0.0.1:${tcp.port}`, silent())
      clients.push(redis)
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
      const store = createRedisCacheStore(redis, createLogger({ level: 'silent' }), {
        readTimeoutMs: 50,
        maxEntryBytes: 1_048_576,
      })
      return { redis, store }
    }
    const bounded = await storeOn()
    const gated = await storeOn()
    const entry = (bytes: number) => ({
      status: 200,
      headers: {},
      body: new Uint8Array(bytes),
      storedAt: Date.now(),
      initialAgeSeconds: 0,
      freshnessMs: 60_000,
      vary: [],
    })
    tcp.stall()
    try {
      // Stalled but not yet known to fail: the writes in flight stop at the bound, the rest are dropped.
      for (let index = 0; index < 1_000; index++) bounded.store.set(`stall-${index}`, entry(10_000), 60_000)
      expect(bounded.store.pendingWrites).toBe(maxPendingRedisWrites)
      expect(bounded.redis.commandQueue.length).toBe(maxPendingRedisWrites)
      // A read times out: from then on nothing is sent at all, not even within the bound.
      expect(await gated.store.get('stall-0')).toBeUndefined()
      const queued = gated.redis.commandQueue.length
      for (let index = 0; index < 1_000; index++) {
        gated.store.set(`failing-${index}`, entry(10_000), 60_000)
        gated.store.delete(`failing-${index}`)
      }
      expect(gated.store.pendingWrites).toBe(0)
      expect(gated.redis.commandQueue.length).toBe(queued)
    } finally {
      tcp.restore()
    }
  })

  it('answers every call while Redis is cut or stalls (a miss), and says so once per outage', async () => {
    const h = await hubOn(`redis://127.0.0.1:${tcp.port}`)
    await get(h, '/fresh/outage')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await get(h, '/fresh/outage')).cache).toBe('hit')
    const outageLines = () => h.logLines.filter((line) => line.includes('the response cache cannot reach Redis'))
    tcp.stall()
    for (let index = 0; index < 5; index++) {
      const started = performance.now()
      const answered = await get(h, '/fresh/outage')
      expect(answered.status).toBe(200)
      expect(answered.cache).toBe('miss')
      // A stalled read costs the call its timeout, not more (with room for a loaded machine).
      expect(performance.now() - started).toBeLessThan(1_000)
    }
    tcp.cut()
    for (let index = 0; index < 5; index++) expect((await get(h, '/fresh/outage')).cache).toBe('miss')
    expect(upstream.seen('/api/fresh/outage')).toHaveLength(11)
    expect(outageLines()).toHaveLength(1)
    tcp.restore()
    // Once Redis answers again, the cache works and the end of the outage is said.
    let back = false
    for (let tries = 0; tries < 100 && !back; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      back = (await get(h, '/fresh/outage')).cache === 'hit'
    }
    expect(back).toBe(true)
    expect(h.logLines.some((line) => line.includes('the response cache reaches Redis again'))).toBe(true)
    expect(outageLines()).toHaveLength(1)
  })
})

function silent() {
  return { warn: () => undefined, info: () => undefined } as never
}
