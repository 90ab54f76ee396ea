/**
 * One "instance" for the shared rate-limit suite: sends N requests through a client whose limiter shares its budget
 * through Redis. Run as a child process: `node --import tsx shared-limit-worker.ts <upstream> <redis> <count> <key>`.
 */
import { Redis } from 'ioredis'
import { createHttpClient } from '../../src/http/client.js'

const [upstreamUrl, redisUrl, countText, key] = process.argv.slice(2)
const redis = new Redis(redisUrl ?? '', { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
redis.on('error', () => undefined)
await new Promise((resolve) => redis.once('ready', resolve))
const api = createHttpClient({
  baseUrl: upstreamUrl ?? '',
  egress: { allowHttp: true, allowPrivateNetworks: true },
  deadlineMs: 120_000,
  rateLimit: { requestsPerSecond: 20, burst: 5, maxConcurrent: 10, key: key ?? 'shared', redis },
})
// Both workers start together: wait for the parent's go.
await new Promise((resolve) => process.stdin.once('data', resolve))
const results = await Promise.allSettled(
  Array.from({ length: Number(countText) }, (_, index) => api.get(`/items/${process.pid}-${index}`)),
)
const failed = results.filter((result) => result.status === 'rejected').length
process.stdout.write(`${JSON.stringify({ ok: results.length - failed, failed })}\n`)
await api.close()
redis.disconnect()
