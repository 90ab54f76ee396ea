/**
 * Integration alerts while PostgreSQL does not answer (docs/http-api.md, "Integration alerts"): a round stuck on the
 * database is not joined by the ticks that fall due meanwhile, so when the database answers again the watch goes on
 * one round a tick instead of running every missed round back to back. A real PostgreSQL behind a TCP proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AlertWatch, startAlertWatch } from '../src/logs/alert-watch.js'
import { postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { openProxiedPostgres, type ProxiedPostgres } from './helpers/proxied-postgres.js'

const everyMs = 100

describe.runIf(postgresAdminUrl() !== null)('integration alerts while PostgreSQL does not answer', () => {
  let postgres: ProxiedPostgres | undefined
  let watch: AlertWatch | undefined

  beforeAll(async () => {
    postgres = await openProxiedPostgres(postgresAdminUrl()!, { poolSize: 3 })
  })
  afterAll(async () => {
    postgres?.tcp.restore()
    await watch?.stop()
    await postgres?.close()
  })

  it('skips the ticks that fall due while a round waits, and goes on one round a tick once the database is back', async () => {
    if (postgres === undefined) throw new Error('not set up')
    const { database, tcp } = postgres
    const started: number[] = []
    watch = startAlertWatch({
      db: database.db,
      integrations: new Map(),
      thresholds: () => ({ errorRate: 0.2, p95Ms: 5_000, minCalls: 20 }),
      logger: capturedLogger().logger,
      options: { everyMs },
      // Read once at the start of each round.
      now: () => {
        started.push(performance.now())
        return Date.now()
      },
    })
    const until = async (what: string, done: () => boolean) => {
      const deadline = Date.now() + 30_000
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    await until('a first round', () => started.length >= 1)
    tcp.stall()
    const stalledAt = performance.now()
    // Twenty ticks fall due while the round in progress waits for the database.
    await new Promise((resolve) => setTimeout(resolve, 20 * everyMs))
    const duringStall = started.filter((at) => at > stalledAt + everyMs).length
    tcp.restore()
    const restoredAt = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 5 * everyMs))
    const afterRestore = started.filter((at) => at >= restoredAt).length

    // At most one round began after the stall: one whose tick came late (a busy machine) and got stuck; none after it.
    expect(duringStall).toBeLessThanOrEqual(1)
    // One round a tick at most (five ticks, and the one that found the stuck round ended): not the twenty missed ones.
    expect(afterRestore).toBeLessThanOrEqual(6)
    expect(afterRestore).toBeGreaterThanOrEqual(1)
  })
})
