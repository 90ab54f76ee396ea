/**
 * Two `junction start` processes on one PostgreSQL and one Redis (JUNCTION_REDIS_URL) proxy to a provider that
 * enforces 10 requests/s: with the integration's limit configured, both draw on one budget, so the provider never
 * refuses a call and never sees more than its rate, though each process alone would allow the whole rate.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openRedis, redisHealth } from '../src/storage/redis-client.js'
import { postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { freePort, type RunningHub, runJunction, startHub, temporaryDirectory } from './helpers/cli.js'
import { type FakeUpstream, maxInWindow, startUpstream } from './helpers/fake-upstream.js'
import { createPostgresDatabase } from './helpers/postgres-admin.js'

const redisUrl = inject('redisUrl')
const adminUrl = postgresAdminUrl()
const limit = { requestsPerSecond: 10, burst: 2 }

describe.runIf(redisUrl !== null && adminUrl !== null)('the proxy rate limit shared through Redis', () => {
  let upstream: FakeUpstream
  let hubs: RunningHub[]
  let headers: Record<string, string>
  let cleanUp: () => Promise<void>

  beforeAll(async () => {
    upstream = await startUpstream({ rateLimit: limit })
    const workdir = temporaryDirectory()
    const database = await createPostgresDatabase(adminUrl!)
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(
      config,
      JSON.stringify({
        providers: {
          limited: {
            auth: { type: 'api_key', header: 'x-api-key' },
            api: { baseUrl: upstream.url },
            rateLimit: { ...limit, per: 'integration' },
          },
        },
        integrations: { limited: { provider: 'limited', apiKey: 'app-key' } },
      }),
    )
    const env = {
      JUNCTION_DATABASE_URL: database.url,
      JUNCTION_REDIS_URL: redisUrl!,
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: config,
    }
    hubs = await Promise.all([startHub({ cwd: workdir.path, env }), startHub({ cwd: workdir.path, env })])
    const key = (await runJunction(['keys', 'create', 'shared'], { cwd: workdir.path, env })).stdout.trim()
    headers = { authorization: `Bearer ${key}` }
    cleanUp = async () => {
      await Promise.all(hubs.map((hub) => hub.stop()))
      await database.drop()
      workdir.remove()
    }
  })
  afterAll(async () => {
    await cleanUp?.()
    await upstream?.close()
  })

  it('reports Redis in /health: ok, or degraded (still 200) while it does not answer', async () => {
    for (const hub of hubs) expect(await (await fetch(`${hub.url}/health`)).json()).toMatchObject({ redis: 'ok' })
    const port = await freePort()
    const away = await openRedis(`redis://127.0.0.1:${port}`, capturedLogger().logger)
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(redisHealth(away)).toBe('degraded')
      expect(redisHealth(undefined)).toBeUndefined()
    } finally {
      away.disconnect()
    }
  })

  it('keeps both processes together under the provider rate: no 429, never more than rate + burst in a second', async () => {
    const calls = Array.from({ length: 40 }, (_, index) =>
      fetch(`${hubs[index % 2]!.url}/v1/proxy/limited/items/${index}`, { headers }),
    )
    const statuses = await Promise.all(calls.map(async (call) => (await call).status))
    expect(statuses).toEqual(Array(40).fill(200))
    expect(upstream.arrivals.filter((arrival) => arrival.status === 429)).toHaveLength(0)
    expect(maxInWindow(upstream.arrivals, 1_000)).toBeLessThanOrEqual(limit.requestsPerSecond + limit.burst)
  }, 90_000)
})
