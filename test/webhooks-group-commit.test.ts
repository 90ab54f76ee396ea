/**
 * Group commit of the webhook inbox: deliveries that arrive together are stored in one statement (one transaction,
 * one take of the feed-order lock), each answered only once that statement committed; deduplication stays exact
 * inside a batch and across batches; a delivery the database refuses on its own fails alone, not its batch.
 */
import { sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/storage/database.js'
import { createGroupCommit } from '../src/webhooks/inbox/group-commit.js'
import { type Backend, backends, createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const secret = `whsec_${Buffer.from('group-commit-test-secret-32byte!').toString('base64')}`

describe('createGroupCommit', () => {
  /** A store that records its batches and answers each item doubled; `refuse` fails any batch holding it. */
  function recordingStore(refuse?: number) {
    const batches: number[][] = []
    let release: () => void = () => undefined
    let gate: Promise<void> | undefined
    return {
      batches,
      hold() {
        gate = new Promise((resolve) => {
          release = resolve
        })
      },
      release: () => release(),
      async write(items: readonly number[]) {
        batches.push([...items])
        await gate
        if (refuse !== undefined && items.includes(refuse)) throw new Error(`refused ${refuse}`)
        return items.map((item) => item * 2)
      },
    }
  }

  it('writes the items added together in one batch, and answers each its own result', async () => {
    const store = recordingStore()
    const commit = createGroupCommit({ write: store.write })
    const results = await Promise.all([1, 2, 3, 4].map((item) => commit.add(item)))
    expect(results).toEqual([2, 4, 6, 8])
    expect(store.batches).toEqual([[1, 2, 3, 4]])
  })

  it('writes one batch at a time: what arrives meanwhile goes in the next, together', async () => {
    const store = recordingStore()
    store.hold()
    const commit = createGroupCommit({ write: store.write })
    const first = commit.add(1)
    await new Promise((resolve) => setImmediate(resolve))
    const later = [2, 3, 4].map((item) => commit.add(item))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(store.batches).toEqual([[1]])
    store.release()
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8])
    expect(store.batches).toEqual([[1], [2, 3, 4]])
  })

  it('writes a second batch while the first is in flight when maxInFlight allows it', async () => {
    const store = recordingStore()
    store.hold()
    const commit = createGroupCommit({ write: store.write, options: { maxInFlight: 2 } })
    const first = commit.add(1)
    await new Promise((resolve) => setImmediate(resolve))
    const second = [commit.add(2), commit.add(3)]
    await new Promise((resolve) => setTimeout(resolve, 20))
    const third = commit.add(4)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(store.batches).toEqual([[1], [2, 3]])
    store.release()
    expect(await Promise.all([first, ...second, third])).toEqual([2, 4, 6, 8])
    expect(store.batches).toEqual([[1], [2, 3], [4]])
  })

  it('writes the items beyond a full batch in a second batch at once when maxInFlight allows it', async () => {
    const store = recordingStore()
    store.hold()
    const commit = createGroupCommit({ write: store.write, options: { maxInFlight: 2, maxBatchSize: 2 } })
    const results = [1, 2, 3, 4, 5].map((item) => commit.add(item))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(store.batches).toEqual([
      [1, 2],
      [3, 4],
    ])
    store.release()
    expect(await Promise.all(results)).toEqual([2, 4, 6, 8, 10])
    expect(store.batches).toEqual([[1, 2], [3, 4], [5]])
  })

  it('holds at most maxBatchSize items a batch', async () => {
    const store = recordingStore()
    const commit = createGroupCommit({ write: store.write, options: { maxBatchSize: 2 } })
    await Promise.all([1, 2, 3, 4, 5].map((item) => commit.add(item)))
    expect(store.batches).toEqual([[1, 2], [3, 4], [5]])
  })

  it('waits windowMs after the first item for more', async () => {
    const store = recordingStore()
    const commit = createGroupCommit({ write: store.write, options: { windowMs: 30 } })
    const first = commit.add(1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await Promise.all([first, commit.add(2)])
    expect(store.batches).toEqual([[1, 2]])
  })

  it('fails every item of a failed batch with its error', async () => {
    const store = recordingStore(2)
    const commit = createGroupCommit({ write: store.write })
    const results = await Promise.allSettled([1, 2, 3].map((item) => commit.add(item)))
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(store.batches).toEqual([[1, 2, 3]])
  })

  it('writes a failed batch again one item at a time when told to, so that only the refused item fails', async () => {
    const store = recordingStore(2)
    const commit = createGroupCommit({ write: store.write, retryOneByOne: () => true })
    const results = await Promise.allSettled([1, 2, 3].map((item) => commit.add(item)))
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('refused 2') },
      { status: 'fulfilled', value: 6 },
    ])
    expect(store.batches).toEqual([[1, 2, 3], [1], [2], [3]])
  })

  it('refuses options that mean nothing', () => {
    const write = async () => []
    expect(() => createGroupCommit({ write, options: { maxBatchSize: 0 } })).toThrow(/maxBatchSize/)
    expect(() => createGroupCommit({ write, options: { windowMs: -1 } })).toThrow(/windowMs/)
    expect(() => createGroupCommit({ write, options: { maxInFlight: 0 } })).toThrow(/maxInFlight/)
  })
})

describe.each(backends())('group commit of webhooks on $name', (backend) => {
  let h: ConnectionHarness

  beforeAll(async () => {
    h = await openConnectionHarness(backend, {
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks' },
        },
      },
      integrations: { hooks: { provider: 'hooks', webhookSecret: secret } },
    })
    h.leaks.secret(secret)
  })
  afterAll(() => h?.close())

  async function deliver(id: string, body: string) {
    const now = new Date()
    const response = await h.app.request('/webhooks/hooks', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      },
    })
    return `${response.status} ${await response.text()}`
  }

  /** The stored webhooks with these provider ids: the transaction that wrote each (`xmin`), in `seq` order. */
  async function stored(prefix: string) {
    const { rows } = await sql<{ id: string; tx: string }>`
      select data ->> 'providerEventId' as id, xmin::text as tx from outbox_events
      where data ->> 'providerEventId' like ${`${prefix}%`} order by seq`.execute(h.database.db)
    return rows
  }

  it('stores deliveries that arrive together in one transaction, and a duplicate among them once', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `msg_together_${index}`)
    // Each id twice, the copies side by side: both copies land in the same batch.
    const sent = ids.flatMap((id) => [id, id])
    const answers = await Promise.all(sent.map((id) => deliver(id, JSON.stringify({ id }))))
    const tally = new Map<string, number>()
    for (const answer of answers) tally.set(answer, (tally.get(answer) ?? 0) + 1)
    expect(Object.fromEntries(tally)).toEqual({ '200 {"received":true}': 12, '200 {"duplicate":true}': 12 })

    const rows = await stored('msg_together_')
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort())
    // Arrived in one turn of the event loop: one statement, one transaction, instead of one each.
    expect(new Set(rows.map((row) => row.tx)).size).toBe(1)
  })

  it('stores a delivery once when its retry comes in a later batch', async () => {
    const body = JSON.stringify({ n: 1 })
    expect(await deliver('msg_across_batches', body)).toBe('200 {"received":true}')
    const again = await Promise.all([deliver('msg_across_batches', body), deliver('msg_across_batches_2', body)])
    expect(again).toEqual(['200 {"duplicate":true}', '200 {"received":true}'])
    expect((await stored('msg_across_batches')).map((row) => row.id)).toEqual([
      'msg_across_batches',
      'msg_across_batches_2',
    ])
  })

  it('answers a delivery the database cannot store on its own alone: the others of its batch are stored', async () => {
    // A NUL byte in the body, which the event keeps as text: PostgreSQL's jsonb cannot hold U+0000, so this one insert
    // fails whatever else is in its statement.
    const answers = await Promise.all([
      deliver('msg_nul_before', JSON.stringify({ n: 1 })),
      deliver('msg_nul_refused', 'a\u0000b'),
      deliver('msg_nul_after', JSON.stringify({ n: 2 })),
    ])
    expect(answers[0]).toBe('200 {"received":true}')
    expect(answers[1]).toMatch(/^500 /)
    expect(answers[2]).toBe('200 {"received":true}')
    expect((await stored('msg_nul_')).map((row) => row.id)).toEqual(['msg_nul_before', 'msg_nul_after'])
  })
})

describe.runIf(postgresAdminUrl() !== null)('a batch of webhooks while PostgreSQL is cut off', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined
  let tcp: TcpProxy | undefined
  let h: ConnectionHarness | undefined

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    const throughProxy: Backend = {
      name: 'postgres',
      open: async () => ({
        ...(await openDatabase(
          { backend: 'postgres', url: viaProxy.toString(), poolSize: 5 },
          capturedLogger().logger,
        )),
        url: viaProxy.toString(),
      }),
    }
    h = await openConnectionHarness(throughProxy, {
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks' },
        },
      },
      integrations: { hooks: { provider: 'hooks', webhookSecret: secret } },
    })
  })
  afterAll(async () => {
    tcp?.restore()
    await h?.close()
    await tcp?.close()
    await created?.drop()
  })

  it('answers each delivery of the failed batch 503 unavailable, and stores each once the database is back', async () => {
    const harness = h!
    const deliverAll = () =>
      Promise.all(
        Array.from({ length: 6 }, async (_, index) => {
          const id = `msg_cut_${index}`
          const body = JSON.stringify({ index })
          const now = new Date()
          const response = await harness.app.request('/webhooks/hooks', {
            method: 'POST',
            body,
            headers: {
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
              'webhook-signature': new Webhook(secret).sign(id, now, body),
            },
          })
          return `${response.status} ${response.headers.get('junction-error')} ${await response.text()}`
        }),
      )
    tcp!.cut()
    const refused = await deliverAll()
    expect(new Set(refused.map((answer) => answer.split(' ').slice(0, 2).join(' ')))).toEqual(
      new Set(['503 unavailable']),
    )
    tcp!.restore()
    // The provider retries: every one is stored now, once.
    let retried: string[] = []
    for (let attempt = 0; attempt < 50; attempt++) {
      retried = await deliverAll()
      if (retried.every((answer) => !answer.startsWith('503'))) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(retried).toEqual(Array.from({ length: 6 }, () => '200 null {"received":true}'))
  })
})
