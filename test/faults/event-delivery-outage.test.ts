/**
 * Event delivery while PostgreSQL is away (reached through a TCP proxy that is cut, never by stopping the server): an
 * attempt whose outcome cannot be recorded leaves its claim to run out, and the event is attempted again under the
 * same `webhook-id` once the database answers; events that fell due during the outage are sent after it. Nothing is
 * lost, and the worker says so once per outage rather than once per round.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEventDeliveryStats } from '../../src/events/delivery-stats.js'
import { type EventsWork, startEventsWork } from '../../src/events/events-work.js'
import { type Database, openDatabase } from '../../src/storage/database.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { recordEvent } from '../../src/storage/outbox-store.js'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/backends.js'
import { capturedLogger } from '../helpers/captured-logger.js'
import { type EventReceiver, startEventReceiver } from '../helpers/event-receiver.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const leaseMs = 1_500
/** Past this the worker counts as stuck: several leases and polls. */
const hangMs = 30_000

describe.runIf(postgresAdminUrl() !== null)('event delivery through a database outage', { timeout: 90_000 }, () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let viaProxy: Database
  let direct: Database
  let receiver: EventReceiver
  let work: EventsWork | undefined
  let lines: string[]

  beforeEach(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const url = new URL(created.url)
    tcp = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
    url.port = String(tcp.port)
    viaProxy = await openDatabase({
      backend: 'postgres',
      url: url.toString(),
      poolSize: 3,
      timeouts: { queryTimeoutMs: 1_000, connectTimeoutMs: 1_000 },
    })
    direct = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 2 })
    await migrateToLatest(direct)
    receiver = await startEventReceiver()
    const captured = capturedLogger()
    lines = captured.lines
    work = startEventsWork({
      db: viaProxy.db,
      events: { url: receiver.url, retentionDays: 30 },
      secrets: [secret],
      egress: { allowHttp: true, allowPrivateNetworks: true },
      logger: captured.logger,
      stats: createEventDeliveryStats(),
      options: {
        delivery: {
          leaseMs,
          timeoutMs: 1_000,
          idlePollMs: 50,
          stopGraceMs: 500,
          schedule: { delaysMs: [50, 50, 50], jitter: 0, maxRetryAfterMs: 1_000 },
        },
        housekeepingEveryMs: 60_000,
      },
    })
  })
  afterEach(async () => {
    tcp?.restore()
    await work?.stop()
    await receiver?.close()
    await viaProxy?.close()
    await direct?.close()
    await tcp?.close()
    await created?.drop()
  })

  const statusOf = async (id: string) =>
    (await direct.db.selectFrom('outbox_events').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

  const until = async (what: string, done: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + hangMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${hangMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  const record = () =>
    recordEvent(direct.db, { type: 'connection.created', userId: 'u_1', integration: 'acme', data: {} })

  it('attempts again, under the same webhook-id, an event whose delivery could not be recorded', async () => {
    let cutOnce = true
    // The app takes the event, and the database goes away before the worker can record it.
    receiver.answer(() => {
      if (cutOnce) {
        cutOnce = false
        tcp.cut()
      }
      return { status: 204, delayMs: 100 }
    })
    const id = await record()
    await until('first attempt', () => receiver.requests.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await statusOf(id)).toBe('pending')
    tcp.restore()
    await until('delivered', async () => (await statusOf(id)) === 'delivered')
    expect(receiver.requests.map((request) => request.id)).toEqual([id, id])
    expect(lines.some((line) => line.includes('could not record an event delivery attempt'))).toBe(true)
  })

  it('sends the events that fell due while the database was away, and warns once for the outage', async () => {
    tcp.cut()
    const ids = [await record(), await record()]
    // Many rounds fail meanwhile (the worker looks every 50 ms).
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(receiver.requests).toHaveLength(0)
    tcp.restore()
    await until('both delivered', async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'delivered'))
    expect(lines.filter((line) => line.includes('could not claim events to deliver'))).toHaveLength(1)
    expect(lines.some((line) => line.includes('event delivery resumed'))).toBe(true)
  })
})
