/**
 * Refresh storm: 1,000 concurrent token reads for 100 expired connections (10 each), on PostgreSQL with two
 * `junction start` processes, against a strictly rotating token endpoint. Baseline: the same reads of 100
 * connections whose tokens are fresh, in the same run.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runJunction, startHub, temporaryDirectory } from '../test/helpers/cli.js'
import { startFakeTokenServer } from '../test/helpers/fake-token-server.js'
import { createPostgresDatabase } from '../test/helpers/postgres-admin.js'

export interface StormFigures {
  refreshCalls: number
  stormMs: number
  stormP95Ms: number
  baselineMs: number
  baselineP95Ms: number
  failures: number
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length * 0.95)] ?? 0
}

export async function measureRefreshStorm(adminUrl: string): Promise<StormFigures> {
  const workdir = temporaryDirectory('junction-storm-')
  const database = await createPostgresDatabase(adminUrl)
  const provider = await startFakeTokenServer({ expiresIn: 3600 })
  const config = join(workdir.path, 'junction.config.json')
  writeFileSync(
    config,
    JSON.stringify({
      providers: {
        acme: {
          auth: { type: 'oauth2', authorizeUrl: `${provider.url}/a`, tokenUrl: `${provider.url}/token` },
          api: { baseUrl: `${provider.url}/api` },
        },
      },
      integrations: { acme: { provider: 'acme', clientId: 'c', clientSecret: 's' } },
    }),
  )
  const env = {
    JUNCTION_DATABASE_URL: database.url,
    JUNCTION_DATA_DIR: join(workdir.path, 'data'),
    JUNCTION_CONFIG: config,
  }
  const hubs = await Promise.all([startHub({ cwd: workdir.path, env }), startHub({ cwd: workdir.path, env })])
  try {
    const key = (await runJunction(['keys', 'create', 'bench'], { cwd: workdir.path, env })).stdout.trim()
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const importAll = async (prefix: string, expiresAt: string) => {
      for (let index = 0; index < 100; index++) {
        await fetch(`${hubs[0]!.url}/v1/connections`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            integration: 'acme',
            userId: `${prefix}${index}`,
            credentials: { accessToken: 'a', refreshToken: provider.grant(), expiresAt },
          }),
        })
      }
    }
    const readAll = async (prefix: string) => {
      const latencies: number[] = []
      let failures = 0
      const started = performance.now()
      await Promise.all(
        Array.from({ length: 1_000 }, async (_, index) => {
          const begun = performance.now()
          const response = await fetch(`${hubs[index % 2]!.url}/v1/connections/acme/${prefix}${index % 100}/token`, {
            headers,
          })
          await response.arrayBuffer()
          if (response.status !== 200) failures++
          latencies.push(performance.now() - begun)
        }),
      )
      return { ms: performance.now() - started, p95: p95(latencies), failures }
    }
    await importAll('fresh_', new Date(Date.now() + 3_600_000).toISOString())
    await importAll('expired_', new Date(Date.now() - 1_000).toISOString())
    // A first round warms both processes' pools; the second is the baseline.
    await readAll('fresh_')
    const baseline = await readAll('fresh_')
    const before = provider.calls.length
    const storm = await readAll('expired_')
    return {
      refreshCalls: provider.calls.length - before,
      stormMs: storm.ms,
      stormP95Ms: storm.p95,
      baselineMs: baseline.ms,
      baselineP95Ms: baseline.p95,
      failures: storm.failures + baseline.failures,
    }
  } finally {
    await Promise.all(hubs.map((hub) => hub.stop()))
    await provider.close()
    await database.drop()
    workdir.remove()
  }
}
