/**
 * Event delivery while PostgreSQL does not answer (docs/http-api.md, "Events"): an answered attempt frees its place at
 * once, so the worker keeps sending while outcomes wait for the database, up to `unsettledLimit` attempts unsettled
 * and no further; once the database is back every outcome is recorded and each event was sent once. A real
 * PostgreSQL behind a TCP proxy that stalls, a real receiver on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEventDeliveryStats } from '../src/events/delivery-stats.js'
import { type EventsWork, startEventsWork } from '../src/events/events-work.js'
import { recordEvent } from '../src/storage/outbox-store.js'
import { postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'
import { openProxiedPostgres, type ProxiedPostgres } from './helpers/proxied-postgres.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
/** Past this a wait counts as hung. */
const hangMs = 30_000

describe.runIf(postgresAdminUrl() !== null)('event delivery while PostgreSQL does not answer', () => {
  let postgres: ProxiedPostgres | undefined
  let receiver: EventReceiver | undefined
  let work: EventsWork | undefined

  beforeAll(async () => {
    postgres = await openProxiedPostgres(postgresAdminUrl()!)
    receiver = await startEventReceiver()
  })
  afterEach(async () => {
    postgres?.tcp.restore()
    await work?.stop()
  })
  afterAll(async () => {
    await receiver?.close()
    await postgres?.close()
  })

  const until = async (what: string, done: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + hangMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${hangMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('keeps sending while outcomes wait for the database, up to unsettledLimit, and records each once it answers', async () => {
    if (postgres === undefined || receiver === undefined) throw new Error('not set up')
    const { database, tcp } = postgres
    const db = database.db
    const ids: string[] = []
    for (let n = 0; n < 20; n++) {
      ids.push(await recordEvent(db, { type: 'connection.created', userId: 'u_1', integration: 'acme', data: { n } }))
    }
    const requests = receiver.requests
    // The claim has come back once the first attempt arrives: the database stalls then, before any answer goes out,
    // so no outcome is recorded from here on, however slow the machine.
    let stalled = false
    receiver.answer(() => {
      if (!stalled) {
        stalled = true
        tcp.stall()
      }
      return { status: 200, delayMs: 100 }
    })
    work = startEventsWork({
      db,
      events: { url: receiver.url, retentionDays: 30 },
      secrets: [secret],
      egress: { allowHttp: true, allowPrivateNetworks: true },
      logger: capturedLogger().logger,
      stats: createEventDeliveryStats(),
      options: {
        delivery: {
          concurrency: 2,
          unsettledLimit: 8,
          claimAhead: 20,
          idlePollMs: 20,
          leaseMs: 20_000,
          timeoutMs: 2_000,
          stopGraceMs: 1_000,
        },
        housekeepingEveryMs: 60_000,
      },
    })
    // Two at a time, each freeing its place once answered: sent on while their outcomes wait, up to the limit.
    await until('as many attempts sent as may be unsettled', () => requests.length >= 8)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(requests).toHaveLength(8)

    tcp.restore()
    await until('every event delivered', async () => {
      const rows = await db
        .selectFrom('outbox_events')
        .select(['status', 'claimed_by'])
        .execute()
        .catch(() => [])
      return rows.length === 20 && rows.every((row) => row.status === 'delivered' && row.claimed_by === null)
    })
    expect([...receiver.countsById().keys()].sort()).toEqual([...ids].sort())
    expect([...receiver.countsById().values()].every((count) => count === 1)).toBe(true)
    expect(receiver.overlaps()).toEqual([])
  })
})
