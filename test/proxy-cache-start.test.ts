/**
 * The response cache as `junction start` serves it (the hub's own socket route, server/proxy-node-route.ts) and as
 * `junction.fetch()` runs it in the app's process: a hit without a provider call, a revalidation, and a body over
 * `maxEntryBytes` streamed whole over the socket and not kept.
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/core/logger.js'
import { createJunction, type Junction } from '../src/index.js'
import { bigBody, type CacheUpstream, startCacheUpstream } from './helpers/cache-upstream.js'
import { type RunningHub, runJunction, startHub, temporaryDirectory } from './helpers/cli.js'

const maxEntryBytes = 32 * 1024

function configFor(upstream: CacheUpstream) {
  return {
    cache: { maxEntryBytes },
    providers: { cachy: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${upstream.url}/api` } } },
    integrations: { shared: { provider: 'cachy', apiKey: 'app-level-key', cache: true } },
  }
}

describe('response cache through junction start', () => {
  let upstream: CacheUpstream
  let hub: RunningHub
  let headers: Record<string, string>
  let workdir: ReturnType<typeof temporaryDirectory>

  beforeAll(async () => {
    upstream = await startCacheUpstream()
    workdir = temporaryDirectory()
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(config, JSON.stringify(configFor(upstream)))
    const env = { JUNCTION_DATA_DIR: join(workdir.path, 'data'), JUNCTION_CONFIG: config }
    // The embedded database has one owner at a time: the key is made before the hub starts.
    const key = (await runJunction(['keys', 'create', 'cache'], { cwd: workdir.path, env })).stdout.trim()
    headers = { authorization: `Bearer ${key}` }
    hub = await startHub({ cwd: workdir.path, env })
  })
  afterAll(async () => {
    await hub?.stop()
    workdir?.remove()
    await upstream?.close()
  })

  const get = (path: string) => fetch(`${hub.url}/v1/proxy/shared${path}`, { headers })

  it('answers a hit from the cache and revalidates a stale entry', async () => {
    const first = await get('/fresh/start')
    expect(first.headers.get('junction-cache')).toBe('miss')
    const firstBody = await first.json()
    const second = await get('/fresh/start')
    expect(second.headers.get('junction-cache')).toBe('hit')
    expect(second.headers.get('age')).toMatch(/^\d+$/)
    expect(await second.json()).toEqual(firstBody)
    expect(upstream.seen('/api/fresh/start')).toHaveLength(1)
    await (await get('/etag/start')).arrayBuffer()
    const revalidated = await get('/etag/start')
    expect(revalidated.status).toBe(200)
    expect(revalidated.headers.get('junction-cache')).toBe('revalidated')
    expect(((await revalidated.json()) as { version: number }).version).toBe(1)
  })

  it('streams a body over maxEntryBytes whole over the socket, and does not keep it', async () => {
    const bytes = maxEntryBytes * 8 + 7
    const expected = createHash('sha256').update(bigBody(bytes)).digest('hex')
    for (let round = 0; round < 2; round++) {
      const response = await get(`/big/start?bytes=${bytes}`)
      expect(response.headers.get('junction-cache')).toBe('miss')
      const body = Buffer.from(await response.arrayBuffer())
      expect(body.byteLength).toBe(bytes)
      expect(createHash('sha256').update(body).digest('hex')).toBe(expected)
    }
    expect(upstream.seen('/api/big/start')).toHaveLength(2)
  })
})

describe('response cache through junction.fetch()', () => {
  let upstream: CacheUpstream
  let junction: Junction
  let workdir: ReturnType<typeof temporaryDirectory>

  beforeAll(async () => {
    upstream = await startCacheUpstream()
    workdir = temporaryDirectory()
    junction = await createJunction({
      config: configFor(upstream),
      dataDir: workdir.path,
      mode: 'development',
      logger: silentLogger(),
    })
  })
  afterAll(async () => {
    await junction?.close()
    workdir?.remove()
    await upstream?.close()
  })

  it('gets the same cache: a hit, and Junction-Cache: off for one call', async () => {
    const first = await junction.fetch('shared', null, '/fresh/library')
    const firstBody = await first.json()
    const second = await junction.fetch('shared', null, '/fresh/library')
    expect(second.headers.get('junction-cache')).toBe('hit')
    expect(await second.json()).toEqual(firstBody)
    const off = await junction.fetch('shared', null, '/fresh/library', { headers: { 'junction-cache': 'off' } })
    await off.arrayBuffer()
    expect(off.headers.has('junction-cache')).toBe(false)
    expect(upstream.seen('/api/fresh/library')).toHaveLength(2)
  })
})
