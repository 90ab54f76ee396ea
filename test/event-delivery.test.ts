/**
 * Delivery of events to the app's `events.url` (docs/http-api.md, "Events"): signed with Standard Webhooks, the same
 * `webhook-id` on every attempt, retried on the (shortened) schedule, and every kind of failure counted as one.
 * Real PGlite and PostgreSQL, a real receiver on 127.0.0.1, the real worker.
 */
import { sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createEventDeliveryStats, type EventDeliveryStats } from '../src/events/delivery-stats.js'
import { type EventsWork, type EventsWorkOptions, startEventsWork } from '../src/events/events-work.js'
import { createMetrics } from '../src/logs/metrics.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { recordEvent } from '../src/storage/outbox-store.js'
import { verifyJunctionEvent } from '../src/webhooks/index.js'
import { backends, type TestDatabase } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const nextSecret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const openEgress = { allowHttp: true, allowPrivateNetworks: true }
/** Ten attempts 30 ms apart: the Standard Webhooks schedule's shape in a test's time. */
const shortSchedule = { delaysMs: [30, 30, 30, 30, 30, 30, 30, 30, 30], jitter: 0, maxRetryAfterMs: 5_000 }
const fast: EventsWorkOptions = {
  delivery: { idlePollMs: 20, leaseMs: 5_000, timeoutMs: 2_000, stopGraceMs: 1_000, schedule: shortSchedule },
  housekeepingEveryMs: 60_000,
}
/** Past this a wait counts as hung: several times what the schedule needs. */
const hangMs = 20_000

describe.each(backends())('event delivery on $name', (backend) => {
  let database: TestDatabase
  let receiver: EventReceiver
  let work: EventsWork | undefined
  let stats: EventDeliveryStats
  let logLines: string[]

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
  })
  afterAll(() => database.close())
  beforeEach(async () => {
    await database.db.deleteFrom('outbox_events').execute()
    receiver = await startEventReceiver()
    stats = createEventDeliveryStats()
  })
  afterEach(async () => {
    await work?.stop()
    work = undefined
    await receiver.close()
  })

  const start = (
    overrides: {
      url?: string | null
      secrets?: string[]
      egress?: { allowHttp: boolean; allowPrivateNetworks: boolean }
      options?: EventsWorkOptions
      retentionDays?: number
    } = {},
  ) => {
    const captured = capturedLogger()
    logLines = captured.lines
    work = startEventsWork({
      db: database.db,
      events: {
        url: overrides.url === null ? undefined : (overrides.url ?? receiver.url),
        retentionDays: overrides.retentionDays ?? 30,
      },
      secrets: overrides.secrets ?? [secret],
      egress: overrides.egress ?? openEgress,
      logger: captured.logger,
      stats,
      options: overrides.options ?? fast,
    })
    return work
  }

  const record = (data: Record<string, unknown> = { userId: 'u_1' }, type = 'connection.created') =>
    recordEvent(database.db, { type, userId: 'u_1', integration: 'acme', data })

  const row = (id: string) =>
    database.db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  /** Waits until the event reaches `status`, and answers its row. */
  const settled = async (id: string, status: string) => {
    const deadline = Date.now() + hangMs
    for (;;) {
      const current = await row(id)
      if (current.status === status && current.claimed_by === null) return current
      if (Date.now() > deadline) throw new Error(`event still ${current.status} after ${current.attempts} attempts`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('delivers after 6 attempts when the app refuses 5, with one webhook-id and a verifying signature each time', async () => {
    receiver.answer(({ attempt }) => ({ status: attempt <= 5 ? 503 : 200 }))
    const id = await record({ integration: 'acme', userId: 'u_1', note: 'é ✓' })
    start()
    const delivered = await settled(id, 'delivered')

    expect(delivered).toMatchObject({ attempts: 6, last_error: null, claimed_until: null })
    expect(delivered.delivered_at).toBeInstanceOf(Date)
    expect(receiver.requests).toHaveLength(6)
    const created = (await row(id)).created_at
    for (const request of receiver.requests) {
      expect(request.method).toBe('POST')
      expect(request.path).toBe('/junction-events')
      expect(request.headers['content-type']).toBe('application/json')
      expect(request.headers['webhook-id']).toBe(id)
      expect(JSON.parse(request.body)).toEqual({
        id,
        type: 'connection.created',
        createdAt: new Date(created).toISOString(),
        data: { integration: 'acme', userId: 'u_1', note: 'é ✓' },
      })
      // The reference library's verifier, and the one Junction gives apps.
      expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(request.body))
      const asRequest = new Request(receiver.url, { method: 'POST', headers: request.headers, body: request.body })
      expect(await verifyJunctionEvent(asRequest, secret)).toEqual(JSON.parse(request.body))
    }
    expect(stats.countsOf('acme')).toEqual({ delivered: 1, failedAttempts: 5, dead: 0 })
    // No body or secret of the app's reaches the log.
    expect(logLines.join('\n')).not.toContain('no thanks')
    expect(logLines.join('\n')).not.toContain(secret.slice(6))
  })

  it('records a short reason for each failed attempt and the next attempt time by the schedule', async () => {
    receiver.answer(() => ({ status: 500 }))
    const slow = { ...shortSchedule, delaysMs: [60_000] }
    const id = await record()
    start({ options: { ...fast, delivery: { ...fast.delivery, schedule: slow } } })
    const retrying = await settled(id, 'retrying')
    expect(retrying).toMatchObject({ attempts: 1, last_error: 'status 500', claimed_by: null })
    const waitMs = retrying.next_attempt_at.getTime() - (retrying.last_attempt_at?.getTime() ?? 0)
    expect(waitMs).toBeGreaterThanOrEqual(59_000)
    expect(waitMs).toBeLessThanOrEqual(61_000)
  })

  it('records the status of a failed answer with a large body, never the body', async () => {
    const page = `<html>${'x'.repeat(200 * 1024)} secret-looking-page</html>`
    receiver.answer(({ attempt }) => (attempt === 1 ? { status: 500, body: page } : { status: 200 }))
    const id = await record()
    start()
    await settled(id, 'delivered')
    const events = await database.db.selectFrom('outbox_events').select('last_error').execute()
    expect(events).toEqual([{ last_error: null }])
    expect(logLines.join('\n')).not.toContain('secret-looking-page')
    const failing = await record()
    receiver.answer(() => ({ status: 500, body: page }))
    expect(await settled(failing, 'dead')).toMatchObject({ last_error: 'status 500' })
  })

  it('honours a Retry-After on a 503 when it is longer than the schedule', async () => {
    receiver.answer(() => ({ status: 503, headers: { 'retry-after': '3' } }))
    const id = await record()
    start()
    const retrying = await settled(id, 'retrying')
    const waitMs = retrying.next_attempt_at.getTime() - (retrying.last_attempt_at?.getTime() ?? 0)
    expect(waitMs).toBeGreaterThanOrEqual(2_900)
    expect(waitMs).toBeLessThanOrEqual(3_500)
  })

  it('counts a redirect as a failure and does not follow it', async () => {
    receiver.answer(({ attempt }) =>
      attempt === 1
        ? { status: 302, headers: { location: `http://127.0.0.1:${receiver.port}/elsewhere` } }
        : { status: 200 },
    )
    const id = await record()
    start()
    const delivered = await settled(id, 'delivered')
    expect(delivered.attempts).toBe(2)
    expect(receiver.requests.map((request) => request.path)).toEqual(['/junction-events', '/junction-events'])
    const stuck = await record()
    receiver.answer(() => ({ status: 307, headers: { location: `http://127.0.0.1:${receiver.port}/elsewhere` } }))
    const dead = await settled(stuck, 'dead')
    expect(dead.last_error).toBe('status 307')
    expect(receiver.requests.some((request) => request.path === '/elsewhere')).toBe(false)
  })

  it('counts an events.url the egress rules refuse as a failed attempt, and never connects', async () => {
    const id = await record()
    start({ egress: { allowHttp: true, allowPrivateNetworks: false } })
    const dead = await settled(id, 'dead')
    expect(dead).toMatchObject({ attempts: 10, last_error: 'egress blocked' })
    expect(receiver.requests).toHaveLength(0)
    const httpsOnly = await record()
    await work?.stop()
    start({ egress: { allowHttp: false, allowPrivateNetworks: true } })
    expect(await settled(httpsOnly, 'dead')).toMatchObject({ last_error: 'egress blocked' })
    expect(receiver.requests).toHaveLength(0)
  })

  it('counts an answer slower than the timeout as a failed attempt', async () => {
    receiver.answer(({ attempt }) => (attempt === 1 ? { status: 200, delayMs: 3_000 } : { status: 200 }))
    const id = await record()
    start({ options: { ...fast, delivery: { ...fast.delivery, timeoutMs: 300 } } })
    const delivered = await settled(id, 'delivered')
    // The slow first answer was a failed attempt (on a busy machine a later one may miss 300 ms too).
    expect(delivered.attempts).toBeGreaterThanOrEqual(2)
    const failed = await record()
    receiver.answer(() => ({ status: 200, delayMs: 3_000 }))
    expect(await settled(failed, 'dead')).toMatchObject({ attempts: 10, last_error: 'timeout' })
  })

  it('counts a refused connection as a failed attempt', async () => {
    const closed = await startEventReceiver()
    const url = closed.url
    await closed.close()
    const id = await record()
    start({ url })
    expect(await settled(id, 'dead')).toMatchObject({ attempts: 10, last_error: 'connection refused' })
  })

  it('gives an event up (dead) once every attempt of the schedule failed, and stops trying it', async () => {
    receiver.answer(() => ({ status: 500 }))
    const id = await record()
    start()
    const dead = await settled(id, 'dead')
    expect(dead).toMatchObject({ attempts: 10, last_error: 'status 500', claimed_by: null })
    expect(receiver.requests).toHaveLength(10)
    expect(stats.countsOf('acme')).toEqual({ delivered: 0, failedAttempts: 10, dead: 1 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(receiver.requests).toHaveLength(10)
    expect(logLines.some((line) => line.includes('dead') && line.includes(id))).toBe(true)
  })

  it('signs with every secret during a rotation: both signatures present, each verifying alone', async () => {
    const id = await record()
    start({ secrets: [nextSecret, secret] })
    await settled(id, 'delivered')
    const [request] = receiver.requests
    if (request === undefined) throw new Error('nothing received')
    const signatures = request.headers['webhook-signature']?.split(' ') ?? []
    expect(signatures).toHaveLength(2)
    for (const [index, only] of [nextSecret, secret].entries()) {
      const headers = { ...request.headers, 'webhook-signature': signatures[index] ?? '' }
      expect(new Webhook(only).verify(request.body, headers)).toMatchObject({ id })
      const asRequest = new Request(receiver.url, { method: 'POST', headers, body: request.body })
      expect((await verifyJunctionEvent(asRequest, only)).id).toBe(id)
    }
    // And an app holding either secret alone accepts the event as sent.
    for (const only of [nextSecret, secret]) {
      expect(new Webhook(only).verify(request.body, request.headers)).toMatchObject({ id })
    }
  })

  it('leaves events pending with no events.url: stored, not sent', async () => {
    const id = await record()
    const started = start({ url: null })
    expect(started.delivering).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, claimed_by: null })
    expect(receiver.requests).toHaveLength(0)
  })

  it('sends many events with bounded concurrency, each once', async () => {
    let inFlight = 0
    let most = 0
    receiver.answer(() => {
      inFlight++
      most = Math.max(most, inFlight)
      setTimeout(() => inFlight--, 30)
      return { status: 200, delayMs: 30 }
    })
    const ids = []
    for (let n = 0; n < 40; n++) ids.push(await record({ n }))
    start({ options: { ...fast, delivery: { ...fast.delivery, concurrency: 4 } } })
    for (const id of ids) await settled(id, 'delivered')
    expect(receiver.requests).toHaveLength(40)
    expect(new Set(receiver.requests.map((request) => request.id)).size).toBe(40)
    expect(most).toBeLessThanOrEqual(4)
    expect(receiver.overlaps()).toEqual([])
  })

  it('lets two workers on one database share the events without attempting one twice at once', async () => {
    receiver.answer(() => ({ status: 200, delayMs: 20 }))
    const ids = []
    for (let n = 0; n < 60; n++) ids.push(await record({ n }))
    const other = startEventsWork({
      db: database.db,
      events: { url: receiver.url, retentionDays: 30 },
      secrets: [secret],
      egress: openEgress,
      logger: capturedLogger().logger,
      stats,
      options: fast,
    })
    try {
      start()
      for (const id of ids) await settled(id, 'delivered')
    } finally {
      await other.stop()
    }
    expect(receiver.overlaps()).toEqual([])
    expect([...receiver.countsById().values()].every((count) => count === 1)).toBe(true)
    expect(receiver.requests).toHaveLength(60)
  })

  it('abandons an attempt still in flight after the stop grace; its claim runs out and the event is attempted again', async () => {
    receiver.answer(({ attempt }) => (attempt === 1 ? { status: 200, delayMs: 10_000 } : { status: 200 }))
    const id = await record()
    const short = { ...fast.delivery, leaseMs: 1_500, timeoutMs: 1_200, stopGraceMs: 200, abandonWaitMs: 200 }
    const first = start({ options: { ...fast, delivery: short } })
    while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const stopping = performance.now()
    await first.stop()
    work = undefined
    // A bound that only catches a stop waiting for the attempt (10 s): the grace and the unwinding take 0.4 s, with
    // room for a busy machine.
    expect(performance.now() - stopping).toBeLessThan(8_000)
    // Nothing recorded: the claim stands until it runs out.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 })
    expect((await row(id)).claimed_by).not.toBeNull()
    start({ options: { ...fast, delivery: short } })
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 1 })
    expect(receiver.requests.map((request) => request.id)).toEqual([id, id])
  })

  it('forgets events older than the retention, in batches, even with rounds at once, and keeps the recent ones', async () => {
    const old = []
    for (let n = 0; n < 7; n++) old.push(await record({ n }))
    const recent = await record({ recent: true })
    await sql`update outbox_events set created_at = now() - interval '8 days' where id in (${sql.join(old)})`.execute(
      database.db,
    )
    const started = start({
      url: null,
      retentionDays: 7,
      options: { ...fast, retention: { batchSize: 3, maxBatches: 20 } },
    })
    // Rounds pruning at the same time (the one at start, and other hubs') split the batches between them: a round
    // whose batch another took ends, and the one that took it goes on, so together they leave nothing old behind (the
    // round begun at start may still be finishing when the two below return: hence the wait).
    const together = await Promise.all([started.housekeep(), started.housekeep()])
    expect(together.every(({ pruned }) => pruned <= old.length)).toBe(true)
    // Only this test's events are looked at: the suite's database holds other tests' (recent) events too.
    const mine = [...old, recent]
    await vi.waitFor(
      async () => {
        const left = await database.db.selectFrom('outbox_events').select('id').where('id', 'in', mine).execute()
        expect(left.map((event) => event.id)).toEqual([recent])
      },
      { timeout: 30_000, interval: 50 },
    )
    expect(await started.housekeep()).toEqual({ pruned: 0 })
  })

  it('reports deliveries, failed attempts, dead events and the oldest pending age in /metrics', async () => {
    receiver.answer(({ attempt }) => ({ status: attempt === 1 ? 503 : 200 }))
    const id = await record()
    await sql`update outbox_events set created_at = now() - interval '90 seconds' where id = ${id}`.execute(database.db)
    const started = start({ url: null })
    await started.housekeep()
    await started.stop()
    const metrics = createMetrics()
    const render = () =>
      metrics.render({ callLog: { buffered: 0, dropped: 0 }, circuits: () => new Map(), eventDelivery: stats })
    const age = Number(/^junction_events_oldest_pending_age_seconds (\S+)$/m.exec(render())?.[1])
    expect(age).toBeGreaterThanOrEqual(89)
    expect(age).toBeLessThan(200)

    start()
    await settled(id, 'delivered')
    await work?.housekeep()
    const text = render()
    expect(text).toContain('junction_events_delivered_total{integration="acme"} 1')
    expect(text).toContain('junction_events_failed_attempts_total{integration="acme"} 1')
    expect(text).toContain('junction_events_dead_total{integration="acme"} 0')
    expect(text).toContain('junction_events_oldest_pending_age_seconds 0')
  })
})
