/**
 * Refresh storm: 1,000 concurrent token reads for 100 expired connections (10 each), on PostgreSQL with two
 * `junction start` processes, against a strictly rotating token endpoint. Baseline: the same reads of 100
 * connections whose tokens are fresh, in the same run.
 */
import { startTwoHubs } from '../test/helpers/two-hubs.js'

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
  const setting = await startTwoHubs(adminUrl, { tokenExpiresIn: 3600 })
  const { hubs, provider, headers } = setting
  try {
    const importAll = async (prefix: string, expiresAt: Date) => {
      for (let index = 0; index < 100; index++) await setting.importConnection(`${prefix}${index}`, expiresAt)
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
    await importAll('fresh_', new Date(Date.now() + 3_600_000))
    await importAll('expired_', new Date(Date.now() - 1_000))
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
    await setting.close()
  }
}
