/**
 * `/v1/events` (docs/http-api.md, "Events"): the feed of every event with its delivery state, filtered and paged by
 * an insertion-ordered cursor that never skips a row committed late; one event by id; redelivery of one event and of
 * a selection, which only makes them due again for the delivery worker. Behind the API key like every `/v1` route.
 */
import { type Kysely, sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEvent, redeliverEventRows } from '../src/storage/events-store.js'
import type { Schema } from '../src/storage/schema.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const secret = `whsec_${Buffer.from('events-api-test-secret-32-bytes!').toString('base64')}`

type EventJson = {
  id: string
  type: string
  createdAt: string
  data: Record<string, unknown>
  delivery: {
    status: string
    attempts: number
    lastAttemptAt: string | null
    nextAttemptAt: string | null
    deliveredAt: string | null
    lastError: string | null
  }
}
type PageJson = { data: EventJson[]; nextCursor: string | null }

describe.each(backends())('the events API on $name', (backend) => {
  let h: ConnectionHarness
  let db: Kysely<Schema>

  beforeAll(async () => {
    h = await openConnectionHarness(backend, {
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks', accountIdPath: 'account' },
        },
      },
      integrations: { hooks: { provider: 'hooks', webhookSecret: secret } },
    })
    h.leaks.secret(secret)
    db = h.database.db
  })
  afterAll(() => h.close())

  const page = async (query: string) => {
    const response = await h.call(`/v1/events${query}`)
    expect(response.status).toBe(200)
    return (await response.json()) as PageJson
  }
  /** Every event matching `query`, following the cursor. */
  const all = async (query = '') => {
    const found: EventJson[] = []
    let cursor: string | null = null
    do {
      const next: PageJson = await page(`?limit=2${query}${cursor === null ? '' : `&cursor=${cursor}`}`)
      found.push(...next.data)
      cursor = next.data.length === 0 ? null : next.nextCursor
    } while (cursor !== null)
    return found
  }
  const webhook = async (id: string, account: string) => {
    const body = JSON.stringify({ type: 'thing.happened', account })
    const now = new Date()
    const response = await h.app.request('/webhooks/hooks', {
      method: 'POST',
      body,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      },
    })
    expect(response.status).toBe(200)
  }
  const importConnection = async (userId: string) => {
    const response = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'hooks', userId, credentials: { apiKey: `key-${userId}` } }),
    })
    expect(response.status).toBe(201)
  }
  const setState = (id: string, state: Record<string, unknown>) =>
    db.updateTable('outbox_events').set(state).where('id', '=', id).execute()

  it('lists every event oldest first, filtered by type, integration, user and status, paged without a gap', async () => {
    await importConnection('u_feed_a')
    await importConnection('u_feed_b')
    await sql`update connections set provider_account_id = 'acct_' || user_id where integration = 'hooks'`.execute(db)
    await webhook('msg_feed_1', 'acct_u_feed_a')
    await webhook('msg_feed_2', 'acct_u_feed_b')
    await webhook('msg_feed_3', 'acct_nobody')

    const everything = await all()
    const ids = everything.map((event) => event.id)
    expect(new Set(ids).size).toBe(ids.length)
    // Oldest first: creation times never go back.
    const times = everything.map((event) => event.createdAt)
    expect([...times].sort()).toEqual(times)
    expect(everything.map((event) => event.type)).toEqual(
      expect.arrayContaining(['connection.created', 'webhook.received']),
    )

    const webhooks = await all('&type=webhook.received&integration=hooks')
    expect(webhooks.map((event) => event.data.providerEventId)).toEqual(['msg_feed_1', 'msg_feed_2', 'msg_feed_3'])
    const ofA = await all('&userId=u_feed_a')
    expect(ofA.map((event) => [event.type, event.data.providerEventId ?? null])).toEqual([
      ['connection.created', null],
      ['webhook.received', 'msg_feed_1'],
    ])
    await setState(webhooks[1]!.id, { status: 'dead', attempts: 10 })
    expect((await all('&status=dead&integration=hooks')).map((event) => event.id)).toEqual([webhooks[1]!.id])
    expect(await all('&integration=nosuch')).toEqual([])
  })

  it('shows an event with its delivery state, and answers 404 not_found for an unknown id', async () => {
    const [first] = await all('&type=webhook.received')
    await setState(first!.id, {
      status: 'retrying',
      attempts: 2,
      last_attempt_at: new Date('2026-11-27T19:23:45.123Z'),
      last_error: 'the app answered 500',
    })
    const response = await h.call(`/v1/events/${first!.id}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      id: first!.id,
      type: 'webhook.received',
      createdAt: first!.createdAt,
      data: first!.data,
      delivery: {
        status: 'retrying',
        attempts: 2,
        lastAttemptAt: '2026-11-27T19:23:45.123Z',
        nextAttemptAt: expect.stringMatching(/Z$/),
        deliveredAt: null,
        lastError: 'the app answered 500',
      },
    })
    for (const path of ['/v1/events/7d5f5b2e-0000-4000-8000-000000000000', '/v1/events/not-an-id']) {
      const missing = await h.call(path)
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found')
    }
  })

  it('redelivers one event: due now, same id, a live claim kept; retrying, or pending if never attempted', async () => {
    const [tried, never] = await all('&type=webhook.received')
    const future = new Date(Date.now() + 3_600_000)
    await setState(tried!.id, {
      status: 'dead',
      attempts: 10,
      next_attempt_at: future,
      claimed_until: future,
      claimed_by: 'worker-1',
    })
    await setState(never!.id, { status: 'pending', attempts: 0, next_attempt_at: future })
    const before = Date.now()
    const response = await h.call(`/v1/events/${tried!.id}/redeliver`, { method: 'POST' })
    expect(response.status).toBe(202)
    const event = (await response.json()) as EventJson
    expect(event.id).toBe(tried!.id)
    expect(event.delivery).toMatchObject({ status: 'retrying', attempts: 10 })
    expect(Date.parse(event.delivery.nextAttemptAt!)).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(Date.parse(event.delivery.nextAttemptAt!)).toBeGreaterThan(before - 60_000)
    const row = await db.selectFrom('outbox_events').selectAll().where('id', '=', tried!.id).executeTakeFirstOrThrow()
    // An attempt in flight (the claim) is not doubled by another worker: the event is due once the claim ends.
    expect(row.claimed_by).toBe('worker-1')
    expect(row.claimed_until?.getTime()).toBe(future.getTime())

    const pending = (await (await h.call(`/v1/events/${never!.id}/redeliver`, { method: 'POST' })).json()) as EventJson
    expect(pending.delivery.status).toBe('pending')
    const unknown = await h.call('/v1/events/7d5f5b2e-0000-4000-8000-000000000000/redeliver', { method: 'POST' })
    expect(unknown.status).toBe(404)
  })

  it('redelivers every dead (or retrying) event of a selection, and leaves the others as they were', async () => {
    const events = await all('&type=webhook.received')
    const future = new Date(Date.now() + 3_600_000)
    for (const event of events) await setState(event.id, { status: 'dead', attempts: 10, next_attempt_at: future })
    const delivered = (await all('&type=connection.created'))[0]!
    await setState(delivered.id, { status: 'delivered', attempts: 1, delivered_at: new Date() })

    const response = await h.call('/v1/events/redeliver', {
      method: 'POST',
      body: JSON.stringify({ status: 'dead', type: 'webhook.received', integration: 'hooks' }),
    })
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ count: events.length })
    for (const event of await all('&type=webhook.received')) {
      expect(event.delivery.status).toBe('retrying')
      expect(Date.parse(event.delivery.nextAttemptAt!)).toBeLessThanOrEqual(Date.now() + 1_000)
    }
    expect((await (await h.call(`/v1/events/${delivered.id}`)).json()) as EventJson).toMatchObject({
      delivery: { status: 'delivered' },
    })
    // Nothing dead is left of that selection; a later `since` selects nothing.
    const none = await h.call('/v1/events/redeliver', {
      method: 'POST',
      body: JSON.stringify({ status: 'dead', since: new Date(Date.now() + 60_000).toISOString() }),
    })
    expect(await none.json()).toEqual({ count: 0 })
  })

  it('redelivers a large selection in bounded batches, each event once', async () => {
    const created: string[] = []
    for (let index = 0; index < 7; index++) {
      const id = await appendEvent(db, { type: 'test.batch', userId: null, integration: 'hooks', data: { index } })
      created.push(id!)
    }
    await db
      .updateTable('outbox_events')
      .set({ status: 'retrying', attempts: 3, next_attempt_at: new Date(Date.now() + 3_600_000) })
      .where('type', '=', 'test.batch')
      .execute()
    // `retrying` stays `retrying`: walking by seq, no batch takes a row twice however the status filter reads.
    expect(await redeliverEventRows(db, { status: 'retrying', type: 'test.batch' }, 2)).toBe(7)
    const due = await db
      .selectFrom('outbox_events')
      .select('id')
      .where('type', '=', 'test.batch')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .execute()
    expect(due.map((row) => row.id).sort()).toEqual([...created].sort())
  })

  it('refuses a bad filter, cursor or selection with 400 invalid_request', async () => {
    for (const query of ['?status=lost', '?limit=0', '?cursor=nonsense', '?unknown=1']) {
      const response = await h.call(`/v1/events${query}`)
      expect(response.status).toBe(400)
    }
    for (const body of [{ status: 'delivered' }, { status: 'dead', since: 'yesterday' }, {}]) {
      const response = await h.call('/v1/events/redeliver', { method: 'POST', body: JSON.stringify(body) })
      expect(response.status).toBe(400)
    }
  })

  it('answers only to a valid API key, with one 401 body otherwise; /v1/webhook-events does not exist', async () => {
    const answers = await Promise.all(
      [undefined, 'Bearer jnc_not_a_key', `Bearer ${h.key}x`].map(async (authorization) => {
        const response = await h.app.request(
          '/v1/events',
          authorization === undefined ? {} : { headers: { authorization } },
        )
        return { status: response.status, body: await response.text() }
      }),
    )
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401])
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1)
    const redeliver = await h.app.request('/v1/events/redeliver', { method: 'POST', body: '{"status":"dead"}' })
    expect(redeliver.status).toBe(401)
    expect((await h.call('/v1/webhook-events')).status).toBe(404)
  })

  it.runIf(backend.name === 'postgres')(
    'never skips an event committed after a later one was inserted: the feed shows rows in commit order',
    async () => {
      const start = await page('?limit=500')
      let cursor = start.nextCursor
      const from = () => (cursor === null ? '' : `&cursor=${cursor}`)
      let release: () => void = () => undefined
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      let inserted: () => void = () => undefined
      const insertedYet = new Promise<void>((resolve) => {
        inserted = resolve
      })
      // A transaction inserts an event (taking its seq) and stays open; meanwhile a webhook arrives and commits.
      const slow = db.transaction().execute(async (trx) => {
        await appendEvent(trx, { type: 'test.slow', userId: null, integration: null, data: {} })
        inserted()
        await gate
      })
      await insertedYet
      const fast = webhook('msg_after_slow', 'acct_nobody')
      await new Promise((resolve) => setTimeout(resolve, 300))
      // A reader polling now must not move its cursor past the open transaction's row.
      const between = await page(`?limit=500${from()}`)
      if (between.data.length > 0) cursor = between.nextCursor
      release()
      await slow
      await fast
      const after = await page(`?limit=500${from()}`)
      const seen = [...between.data, ...after.data].map((event) => event.type)
      expect(seen).toEqual(['test.slow', 'webhook.received'])
    },
  )
})
