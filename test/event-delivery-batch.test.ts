/**
 * Event delivery in batches (docs/http-api.md, "Events"): the worker claims events ahead of its free places into a
 * short queue and records outcomes many to a statement, and still never makes one attempt from two workers at once,
 * loses no event claimed by a worker that crashed before sending, gives back what it queued when it stops, and counts
 * each attempt once when an outcome's write fails. Real PGlite and PostgreSQL, a real receiver on 127.0.0.1.
 */
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAttemptRecorder } from '../src/events/attempt-recorder.js'
import { createEventDeliveryStats } from '../src/events/delivery-stats.js'
import { type EventsWork, type EventsWorkOptions, startEventsWork } from '../src/events/events-work.js'
import { claimDueEvents, type RecordedAttempt, recordAttempts } from '../src/storage/event-delivery-store.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { recordEvent } from '../src/storage/outbox-store.js'
import { backends, type TestDatabase } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const schedule = { delaysMs: [30, 30, 30], jitter: 0, maxRetryAfterMs: 5_000 }
const batched = (delivery: EventsWorkOptions['delivery'] = {}): EventsWorkOptions => ({
  delivery: { idlePollMs: 20, leaseMs: 5_000, timeoutMs: 2_000, stopGraceMs: 1_000, schedule, ...delivery },
  housekeepingEveryMs: 60_000,
})
/** Past this a wait counts as hung. */
const hangMs = 30_000

describe.each(backends())('event delivery in batches on $name', (backend) => {
  let database: TestDatabase
  let receiver: EventReceiver
  const started: EventsWork[] = []

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
  })
  afterAll(() => database.close())
  beforeEach(async () => {
    await database.db.deleteFrom('outbox_events').execute()
    receiver = await startEventReceiver()
  })
  afterEach(async () => {
    for (const work of started.splice(0)) await work.stop()
    await receiver.close()
  })

  const start = (options: EventsWorkOptions) => {
    const work = startEventsWork({
      db: database.db,
      events: { url: receiver.url, retentionDays: 30 },
      secrets: [secret],
      egress: { allowHttp: true, allowPrivateNetworks: true },
      logger: capturedLogger().logger,
      stats: createEventDeliveryStats(),
      options,
    })
    started.push(work)
    return work
  }

  const recordMany = async (count: number) => {
    const ids: string[] = []
    for (let n = 0; n < count; n++) {
      ids.push(
        await recordEvent(database.db, { type: 'connection.created', userId: 'u_1', integration: 'acme', data: { n } }),
      )
    }
    return ids
  }

  const rows = () => database.db.selectFrom('outbox_events').selectAll().orderBy('seq').execute()

  const until = async (what: string, done: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + hangMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${hangMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const allDelivered = async () => (await rows()).every((row) => row.status === 'delivered' && row.claimed_by === null)

  it('never has two workers claiming in batches attempt one event at once: each delivered once', async () => {
    receiver.answer(() => ({ status: 200, delayMs: 10 }))
    const ids = await recordMany(120)
    // Few places and a long queue each: most events sit claimed in one worker's queue while the other claims.
    start(batched({ concurrency: 3, claimAhead: 30 }))
    start(batched({ concurrency: 3, claimAhead: 30 }))
    await until('every event delivered', allDelivered)

    expect(receiver.overlaps()).toEqual([])
    expect([...receiver.countsById().keys()].sort()).toEqual([...ids].sort())
    expect([...receiver.countsById().values()].every((count) => count === 1)).toBe(true)
    expect((await rows()).every((row) => row.attempts === 1)).toBe(true)
  })

  it('sends events a crashed worker had claimed once their lease has run out, once each', async () => {
    receiver.answer(() => ({ status: 204 }))
    const ids = await recordMany(5)
    // A worker claims a batch and dies before sending any of it.
    const before = performance.now()
    const claimed = await claimDueEvents(database.db, { owner: 'crashed:1', limit: 10, leaseMs: 1_500 })
    expect(claimed.map((event) => event.id).sort()).toEqual([...ids].sort())
    const left = await sql<{ ms: number }>`
      select extract(epoch from max(claimed_until) - now()) * 1000 as ms from outbox_events`.execute(database.db)
    const leaseEnd = before + Number(left.rows[0]?.ms)

    start(batched({ claimAhead: 20 }))
    await until('every event delivered', allDelivered)

    // Nothing went out while the dead worker's claims stood (a few ms for the two clocks' granularity).
    for (const request of receiver.requests) expect(request.startedAt).toBeGreaterThanOrEqual(leaseEnd - 20)
    expect([...receiver.countsById().values()]).toEqual([1, 1, 1, 1, 1])
    expect((await rows()).map((row) => row.attempts)).toEqual([1, 1, 1, 1, 1])
  })

  it('gives back the events it queued when it stops, keeping the claim of the attempt it abandons', async () => {
    receiver.answer(() => ({ status: 200, delayMs: 10_000 }))
    const ids = await recordMany(5)
    const work = start(batched({ concurrency: 1, claimAhead: 4, stopGraceMs: 200, abandonWaitMs: 200 }))
    await until('one attempt in flight', () => receiver.requests.length === 1)
    await until('the rest queued', async () => (await rows()).every((row) => row.claimed_by !== null))
    await work.stop()
    started.splice(0)

    const after = await rows()
    const sent = receiver.requests[0]?.id
    expect(after.filter((row) => row.claimed_by !== null).map((row) => row.id)).toEqual([sent])
    expect(after.filter((row) => row.claimed_by === null).map((row) => row.id)).toEqual(ids.filter((id) => id !== sent))
    expect(after.every((row) => row.status === 'pending' && row.attempts === 0)).toBe(true)
  })

  it('counts an attempt once when a batch write committed but its answer was lost, and keeps a failed one for the next try', async () => {
    const [first, second] = await recordMany(2)
    if (first === undefined || second === undefined) throw new Error('no events')
    await claimDueEvents(database.db, { owner: 'w:1', limit: 2, leaseMs: 30_000 })
    const writes: string[] = []
    const recorder = createAttemptRecorder({
      retryMs: 10,
      write: async (attempts) => {
        writes.push(attempts.map((attempt) => attempt.id).join(','))
        if (writes.length === 1) {
          // Commits, then the answer never arrives (a connection lost after the commit).
          await recordAttempts(database.db, attempts)
          throw new Error('connection lost')
        }
        if (writes.length === 2) throw new Error('connection refused')
        return recordAttempts(database.db, attempts)
      },
    })
    const attempt = (id: string): RecordedAttempt => ({ id, owner: 'w:1', outcome: { status: 'delivered' } })
    const keepUntil = performance.now() + 30_000
    const firstResult = recorder.record(attempt(first), keepUntil)
    // Arrives while the first write runs: goes into the next one, with the first kept ahead of it.
    const secondResult = recorder.record(attempt(second), keepUntil)
    expect(await Promise.all([firstResult, secondResult])).toEqual(['lost', 'recorded'])
    expect(writes).toEqual([first, `${first},${second}`, `${first},${second}`])
    expect((await rows()).map((row) => [row.status, row.attempts, row.claimed_by])).toEqual([
      ['delivered', 1, null],
      ['delivered', 1, null],
    ])
  })

  it('gives an outcome up once its claim has run out rather than writing it late', async () => {
    const [id] = await recordMany(1)
    if (id === undefined) throw new Error('no event')
    await claimDueEvents(database.db, { owner: 'w:1', limit: 1, leaseMs: 30_000 })
    let now = 0
    const recorder = createAttemptRecorder({
      retryMs: 10,
      now: () => now,
      write: async () => {
        // The database is away until the claim's end has passed.
        now += 600
        throw new Error('connection refused')
      },
    })
    const result = await recorder.record({ id, owner: 'w:1', outcome: { status: 'delivered' } }, 1_000)
    expect(result).toBe('failed')
    expect(now).toBe(1_200)
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 0 })
  })
})
