/**
 * Limits shared through Redis: two processes on one key stay within one budget, and an outage of Redis (a TCP proxy
 * in front of it is cut, never the shared server) falls back to local limits, then shares again.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createHttpClient } from '../src/http/client.js'
import { maxInWindow, startUpstream } from './helpers/fake-upstream.js'
import { startTcpProxy } from './helpers/tcp-proxy.js'

const redisUrl = inject('redisUrl')
const local = { allowHttp: true, allowPrivateNetworks: true }
const worker = join(import.meta.dirname, 'helpers/shared-limit-worker.ts')

/** A Redis client reaching the shared Redis through a TCP proxy that the test can cut or stall. */
async function redisBehindProxy() {
  const target = new URL(redisUrl!)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) })
  const viaProxy = new Redis({
    host: '127.0.0.1',
    port: proxy.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  })
  viaProxy.on('error', () => undefined)
  await new Promise((resolve) => viaProxy.once('ready', resolve))
  return { proxy, viaProxy }
}

function runWorker(upstream: string, redis: string, count: number, key: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, upstream, redis, String(count), key], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  const done = new Promise<{ ok: number; failed: number }>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`worker exited ${code}`)),
    )
  })
  return { go: () => child.stdin.end('go\n'), done }
}

describe.runIf(redisUrl !== null)('rate limits shared through Redis', () => {
  let redis: Redis
  beforeAll(() => {
    redis = new Redis(redisUrl!)
  })
  afterAll(() => redis.quit())

  it('keeps two processes on one key within one budget: no 429, never more than 20 + burst in a second', async () => {
    // The server allows twice the clients' burst: on a busy machine, calls paced exactly at the limit can reach it
    // bunched. The shared pacing itself is asserted below, at the configured 20/s + burst.
    const upstream = await startUpstream({ rateLimit: { requestsPerSecond: 20, burst: 10 } })
    const key = `test-${Date.now()}`
    const workers = [runWorker(upstream.url, redisUrl!, 150, key), runWorker(upstream.url, redisUrl!, 150, key)]
    // Give both time to connect before they start together.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    for (const running of workers) running.go()
    const results = await Promise.all(workers.map((running) => running.done))
    expect(results).toEqual([
      { ok: 150, failed: 0 },
      { ok: 150, failed: 0 },
    ])
    expect(upstream.arrivals).toHaveLength(300)
    expect(upstream.arrivals.filter((arrival) => arrival.status === 429)).toHaveLength(0)
    expect(maxInWindow(upstream.arrivals, 1_000)).toBeLessThanOrEqual(25)
    await upstream.close()
  }, 60_000)

  it('falls back to local limits while Redis is cut off, says so once, and shares again when it is back', async () => {
    const upstream = await startUpstream()
    const { proxy, viaProxy } = await redisBehindProxy()
    const events: string[] = []
    const key = `outage-${Date.now()}`
    const api = createHttpClient({
      baseUrl: upstream.url,
      egress: local,
      rateLimit: {
        requestsPerSecond: 50,
        burst: 5,
        key,
        redis: viaProxy,
        redisTimeoutMs: 100,
        onSharedStoreDown: () => events.push('down'),
        onSharedStoreBack: () => events.push('back'),
      },
    })
    const stateKey = `junction:rate:${key}`
    const burst = (count: number) =>
      Promise.all(Array.from({ length: count }, (_, index) => api.get(`/items/${index}`)))

    await burst(10)
    const before = await redis.get(stateKey)
    expect(before).not.toBeNull()

    proxy.cut()
    const cutAt = performance.now()
    const during = await burst(40)
    expect(during.every((result) => result.status === 200)).toBe(true)
    // Still paced, by the local bucket: 40 requests at 50/s (one burst token in reserve) take at least 0.7 s.
    expect(performance.now() - cutAt).toBeGreaterThanOrEqual(700)
    expect(await redis.get(stateKey)).toBe(before)
    expect(events).toEqual(['down'])

    proxy.restore()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await burst(20)
    expect(events).toEqual(['down', 'back'])
    expect(await redis.get(stateKey)).not.toBe(before)
    await api.close()
    viaProxy.disconnect()
    await proxy.close()
    await upstream.close()
  }, 60_000)

  it('falls back within its timeout when Redis hangs instead of refusing', async () => {
    const upstream = await startUpstream()
    const { proxy, viaProxy } = await redisBehindProxy()
    const events: string[] = []
    const api = createHttpClient({
      baseUrl: upstream.url,
      egress: local,
      rateLimit: {
        requestsPerSecond: 100,
        burst: 5,
        key: `hang-${Date.now()}`,
        redis: viaProxy,
        redisTimeoutMs: 100,
        onSharedStoreDown: () => events.push('down'),
      },
    })
    proxy.stall()
    const started = performance.now()
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => api.get(`/items/${index}`)))
    expect(results.every((result) => result.status === 200)).toBe(true)
    // Without the 100 ms fallback every call would wait out its 60 s deadline; the bound leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(20_000)
    expect(events).toEqual(['down'])
    await api.close()
    viaProxy.disconnect()
    await proxy.close()
    await upstream.close()
  }, 90_000)
})
