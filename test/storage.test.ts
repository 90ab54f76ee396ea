/** One storage suite, run against every backend: PGlite always, PostgreSQL when a server answers. */

import { executionAsyncResource } from 'node:async_hooks'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newRowId } from '../src/core/ids.js'
import {
  countActiveApiKeys,
  findActiveApiKeyByHash,
  insertApiKey,
  listActiveApiKeys,
  revokeApiKey,
} from '../src/storage/api-keys-store.js'
import { findCallLog, insertCallLogs, type QueuedCallLog, queuedCallLog } from '../src/storage/api-logs-store.js'
import { openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { migrations } from '../src/storage/migrations/index.js'
import { withTransaction } from '../src/storage/reentry-guard.js'
import { backends, createPostgresDatabase, postgresAdminUrl, type TestDatabase } from './helpers/backends.js'

describe.each(backends())('storage on $name', (backend) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
  })
  afterAll(() => database.close())

  it('applies every migration once, and running them again changes nothing', async () => {
    const { rows } = await sql<{ name: string }>`select name from junction_migrations order by name`.execute(
      database.db,
    )
    expect(rows.map((row) => row.name)).toEqual(Object.keys(migrations))
    expect(await migrateToLatest(database)).toEqual({ applied: [] })
  })

  it('stores, finds, lists with a cursor and revokes API keys', async () => {
    const ids: string[] = []
    for (let index = 0; index < 5; index++) {
      const id = newRowId()
      ids.push(id)
      await insertApiKey(database.db, {
        id,
        name: `key ${index}`,
        prefix: 'jnc_abcdefgh',
        hash: `hash-${backend.name}-${index}`,
      })
    }
    expect(await findActiveApiKeyByHash(database.db, `hash-${backend.name}-2`)).toMatchObject({
      id: ids[2],
      name: 'key 2',
    })

    const first = await listActiveApiKeys(database.db, { limit: 3 })
    expect(first.data.map((row) => row.id)).toEqual(ids.slice(0, 3))
    expect(first.nextCursor).not.toBeNull()
    const second = await listActiveApiKeys(database.db, { limit: 3, cursor: first.nextCursor ?? undefined })
    expect(second.data.map((row) => row.id)).toEqual(ids.slice(3))
    expect(second.nextCursor).toBeNull()

    expect(await revokeApiKey(database.db, ids[0]!)).toBe(true)
    expect(await revokeApiKey(database.db, ids[0]!)).toBe(true)
    expect(await revokeApiKey(database.db, newRowId())).toBe(false)
    expect(await findActiveApiKeyByHash(database.db, `hash-${backend.name}-0`)).toBeUndefined()
    expect(await countActiveApiKeys(database.db)).toBe(4)
  })

  it('keeps concurrent transactions apart: a rolled-back one leaks nothing into the others', async () => {
    await sql`create table counters (id int primary key, n int not null)`.execute(database.db)
    await sql`insert into counters values (1, 0)`.execute(database.db)
    const increments = Array.from({ length: 12 }, (_, index) =>
      withTransaction(database.db, async (trx) => {
        await sql`update counters set n = n + 1 where id = 1`.execute(trx)
        await new Promise((resolve) => setTimeout(resolve, 1))
        if (index % 4 === 0) throw new Error('roll back')
      }).catch(() => 'rolled back'),
    )
    const outcomes = await Promise.all(increments)
    const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(database.db)
    expect(outcomes.filter((outcome) => outcome === 'rolled back')).toHaveLength(3)
    expect(rows[0]?.n).toBe(9)
  })

  it('throws at once when code holding a transaction asks for the database again', async () => {
    const started = Date.now()
    const attempt = withTransaction(database.db, async () => {
      await sql`select 1`.execute(database.db)
    })
    await expect(attempt).rejects.toThrow(/from inside a transaction/)
    expect(Date.now() - started).toBeLessThan(2_000)
    // The database is still usable afterwards: the failed transaction released its connection.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db)
    expect(rows[0]?.one).toBe(1)
  })

  it('refuses a transaction opened inside another one', async () => {
    const nested = withTransaction(database.db, () => withTransaction(database.db, async () => 'never'))
    await expect(nested).rejects.toThrow(/from inside a transaction/)
  })

  // PGlite has one session, so its transactions take turns and never end beside each other.
  it.runIf(backend.name === 'postgres')('keeps guarding a transaction while another one ends beside it', async () => {
    let finishOther: () => void = () => undefined
    const otherMayEnd = new Promise<void>((resolve) => {
      finishOther = resolve
    })
    const other = withTransaction(database.db, () => otherMayEnd)
    const guarded = withTransaction(database.db, async () => {
      finishOther()
      await other
      await sql`select 1`.execute(database.db)
    })
    await expect(guarded).rejects.toThrow(/from inside a transaction/)
  })

  it('leaves the rest of the process untracked once no transaction runs', async () => {
    // While an AsyncLocalStorage is on, Node tracks every promise: each await runs under a resource of its own.
    const promisesTracked = async () => {
      await null
      const first = executionAsyncResource()
      await null
      return executionAsyncResource() !== first
    }
    await withTransaction(database.db, async (trx) => {
      expect(await promisesTracked()).toBe(true)
      await sql`select 1`.execute(trx)
    })
    expect(await promisesTracked()).toBe(false)
  })

  it('writes call-log rows field for field, any text as given, and skips a batch written twice', async () => {
    const full: QueuedCallLog = {
      ...queuedCallLog({
        requestId: 'req-"quoted"-\\-ünï-😀',
        userId: null,
        integration: 'acme',
        provider: 'acme',
        endpoint: '/items/it\'s\n{"a":[1]}',
        method: 'POST',
        statusCode: 503,
        responseTimeMs: 12.6,
        errorMessage: 'line one\nline "two" \\ tab\t',
        attempts: 3,
        rateLimitWaitMs: 40.4,
        bytes: 2048,
        cache: 'revalidated',
        details: {
          errorText: 'the provider answered 503',
          requestHeaders: [['accept', 'application/json']],
          attempts: [{ attempt: 1, status: 503, error: null, durationMs: 4, waitMs: 0, rateLimitWaitMs: 0 }],
        },
      }),
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    }
    const bare = queuedCallLog({
      requestId: 'req-2',
      userId: 'u_1',
      integration: 'acme',
      provider: 'acme',
      endpoint: '/me',
      method: 'GET',
      statusCode: null,
      responseTimeMs: 1,
      errorMessage: null,
    })
    await insertCallLogs(database.db, [full, bare])
    await insertCallLogs(database.db, [full, bare])
    expect(await findCallLog(database.db, full.id)).toMatchObject({
      request_id: full.requestId,
      user_id: null,
      integration: 'acme',
      endpoint: full.endpoint,
      method: 'POST',
      status_code: 503,
      response_time_ms: 13,
      error_message: full.errorMessage,
      attempts: 3,
      rate_limit_wait_ms: 40,
      bytes: 2048,
      cache: 'revalidated',
      created_at: full.createdAt,
      details: full.details,
    })
    expect(await findCallLog(database.db, bare.id)).toMatchObject({
      user_id: 'u_1',
      status_code: null,
      attempts: 1,
      rate_limit_wait_ms: 0,
      bytes: null,
      cache: null,
      details: null,
    })
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from api_logs where id in (${full.id}, ${bare.id})`.execute(database.db)
    expect(rows[0]?.n).toBe(2)
  })

  it('writes a call-log row whose text holds half an emoji, and the rest of its batch', async () => {
    const half = '\ud83d'
    const broken = queuedCallLog({
      requestId: 'req-half',
      userId: `u${half}`,
      integration: 'acme',
      provider: 'acme',
      endpoint: `/search?q=smile${half}`,
      method: 'GET',
      statusCode: 200,
      responseTimeMs: 1,
      errorMessage: null,
      details: { errorText: `cut ${half}` },
    })
    const whole = queuedCallLog({ ...broken, requestId: 'req-whole', endpoint: '/me', details: undefined })
    await insertCallLogs(database.db, [broken, whole])
    expect(await findCallLog(database.db, broken.id)).toMatchObject({
      user_id: 'u\ufffd',
      endpoint: '/search?q=smile\ufffd',
      details: { errorText: 'cut \ufffd' },
    })
    expect(await findCallLog(database.db, whole.id)).toMatchObject({ endpoint: '/me' })
  })

  it('returns timestamps as Dates and jsonb as values on this backend', async () => {
    const id = newRowId()
    await database.db
      .insertInto('connections')
      .values({
        id,
        integration: 'acme',
        provider: 'acme',
        user_id: 'u_1',
        status: 'active',
        expires_at: new Date('2026-11-27T19:23:45.123Z'),
        scopes: JSON.stringify(['read', 'write']),
        metadata: JSON.stringify({ team: 'T1' }),
      })
      .execute()
    const row = await database.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.expires_at?.toISOString()).toBe('2026-11-27T19:23:45.123Z')
    expect(row.scopes).toEqual(['read', 'write'])
    expect(row.metadata).toEqual({ team: 'T1' })
    expect(row.credentials_version).toBe(0)
    expect(row.credentials).toBeNull()
  })
})

describe.runIf(postgresAdminUrl() !== null)('migrations on one PostgreSQL', () => {
  it('run by several processes at once are applied exactly once', async () => {
    const created = await createPostgresDatabase(postgresAdminUrl()!)
    const opened = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ backend: 'postgres', url: created.url, poolSize: 2 })),
    )
    try {
      const reports = await Promise.all(opened.map((database) => migrateToLatest(database)))
      const applied = reports.flatMap((report) => report.applied)
      expect(applied.sort()).toEqual(Object.keys(migrations).sort())
    } finally {
      await Promise.all(opened.map((database) => database.close()))
      await created.drop()
    }
  })
})
