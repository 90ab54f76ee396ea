/**
 * The call-log writer: rows in batches off the request path, none lost or doubled while PostgreSQL is cut off
 * (through a TCP proxy, never the shared server), drops counted and said when the buffer is full, the rest written
 * on close.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createCallLogWriter } from '../src/logs/call-log-writer.js'
import type { CallLogEntry } from '../src/storage/api-logs-store.js'
import { openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { backends, createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const messages = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { msg: string }).msg)

const row = (integration: string, n: number): CallLogEntry => ({
  requestId: `${integration}-${n}`,
  userId: 'u_1',
  integration,
  provider: 'acme',
  endpoint: `/items/${n}`,
  method: 'GET',
  statusCode: 200,
  responseTimeMs: 1,
  errorMessage: null,
})

describe('the call-log writer on PGlite', () => {
  it("writes rows in batches off the caller's path, and the rest on close", async () => {
    const [pglite] = backends()
    const database = await pglite!.open()
    await migrateToLatest(database)
    const writer = createCallLogWriter({
      db: database.db,
      logger: capturedLogger().logger,
      options: { flushIntervalMs: 100, batchSize: 250 },
    })
    try {
      // The caller never waits: record() returns nothing to await, and the rows are queued, not yet written.
      for (let n = 0; n < 1_000; n++) expect(writer.record(row('batched', n))).toBeUndefined()
      expect(writer.buffered).toBe(1_000)
      const count = async () =>
        Number(
          (
            await database.db
              .selectFrom('api_logs')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('integration', '=', 'batched')
              .executeTakeFirstOrThrow()
          ).n,
        )
      // Written by the timer (every 100 ms here), with room for a busy machine.
      await vi.waitFor(async () => expect(await count()).toBe(1_000), { timeout: 60_000, interval: 50 })
      for (let n = 1_000; n < 1_010; n++) writer.record(row('batched', n))
      await writer.close()
      expect(await count()).toBe(1_010)
      expect(writer.dropped).toBe(0)
    } finally {
      await writer.close()
      await database.close()
    }
  })
})

describe.runIf(postgresAdminUrl() !== null)('the call-log writer while PostgreSQL is cut off', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let proxy: TcpProxy
  let database: Awaited<ReturnType<typeof openDatabase>>

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(proxy.port)
    database = await openDatabase({
      backend: 'postgres',
      url: viaProxy.toString(),
      poolSize: 2,
    })
    await migrateToLatest(database)
  })
  afterAll(async () => {
    await database.close()
    await proxy.close()
    await created.drop()
  })

  const count = async (integration: string) =>
    Number(
      (
        await database.db
          .selectFrom('api_logs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('integration', '=', integration)
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('keeps rows through an outage, says so once, and writes each exactly once when it is back', async () => {
    const { logger, lines } = capturedLogger()
    const writer = createCallLogWriter({ db: database.db, logger, options: { flushIntervalMs: 50, batchSize: 100 } })
    try {
      for (let n = 0; n < 300; n++) writer.record(row('outage', n))
      proxy.cut()
      for (let n = 300; n < 600; n++) writer.record(row('outage', n))
      await expect(writer.flush()).rejects.toThrow()
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(writer.buffered).toBeGreaterThan(0)
      proxy.restore()
      await vi.waitFor(async () => expect(await count('outage')).toBe(600), { timeout: 60_000, interval: 100 })
      const requestIds = await database.db
        .selectFrom('api_logs')
        .select('request_id')
        .distinct()
        .where('integration', '=', 'outage')
        .execute()
      expect(requestIds).toHaveLength(600)
      expect(messages(lines).filter((msg) => msg === 'call-log writes fail; rows are kept and retried')).toHaveLength(1)
      expect(messages(lines).some((msg) => msg === 'call-log writes work again')).toBe(true)
    } finally {
      proxy.restore()
      await writer.close()
    }
  })

  it('stamps each row with the time of its call, not of its write after the outage', async () => {
    const writer = createCallLogWriter({
      db: database.db,
      logger: capturedLogger().logger,
      options: { flushIntervalMs: 50 },
    })
    try {
      proxy.cut()
      const before = Date.now()
      writer.record(row('stamped', 0))
      const after = Date.now()
      await new Promise((resolve) => setTimeout(resolve, 600))
      proxy.restore()
      await writer.flush().catch(() => writer.flush())
      const written = await database.db
        .selectFrom('api_logs')
        .select('created_at')
        .where('integration', '=', 'stamped')
        .executeTakeFirstOrThrow()
      // The outage lasted 600 ms: a row stamped when written would be at least that late.
      expect(written.created_at.getTime()).toBeGreaterThanOrEqual(before)
      expect(written.created_at.getTime()).toBeLessThanOrEqual(after)
    } finally {
      proxy.restore()
      await writer.close()
    }
  })

  it('drops the oldest rows past its bound while the database is away, and counts them', async () => {
    const { logger, lines } = capturedLogger()
    const writer = createCallLogWriter({
      db: database.db,
      logger,
      options: { flushIntervalMs: 50, batchSize: 100, maxBuffered: 150, closeTimeoutMs: 2_000 },
    })
    try {
      proxy.cut()
      for (let n = 0; n < 200; n++) writer.record(row('bounded', n))
      expect(writer.buffered).toBe(150)
      expect(writer.dropped).toBe(50)
      expect(messages(lines).filter((msg) => msg === 'call-log buffer full: dropping rows')).toHaveLength(1)
      proxy.restore()
      await writer.close()
      expect(await count('bounded')).toBe(150)
      const oldest = await database.db
        .selectFrom('api_logs')
        .select('endpoint')
        .where('integration', '=', 'bounded')
        .where('endpoint', '=', '/items/0')
        .execute()
      expect(oldest).toEqual([])
    } finally {
      proxy.restore()
      await writer.close()
    }
  })

  it('does not hold shutdown when the database stops answering mid-write', async () => {
    const { logger, lines } = capturedLogger()
    const writer = createCallLogWriter({
      db: database.db,
      logger,
      options: { flushIntervalMs: 60_000, closeTimeoutMs: 500 },
    })
    try {
      proxy.stall()
      writer.record(row('stalled', 0))
      // close() gives up after its 500 ms; the bound only tells a give-up from a hang, on a busy machine too.
      const started = performance.now()
      await writer.close()
      expect(performance.now() - started).toBeLessThan(15_000)
      expect(messages(lines)).toContain('call-log rows not written at shutdown')
      writer.record(row('stalled', 1))
      expect(writer.dropped).toBe(1)
    } finally {
      proxy.restore()
    }
  })
})
