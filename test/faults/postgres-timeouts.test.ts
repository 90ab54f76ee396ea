/**
 * Every PostgreSQL call is bounded, whatever way the server goes away: a statement the server runs too long is
 * cancelled by the server, a server that goes silent is noticed by the client, the connections it left behind are
 * dropped rather than reused, and closing never waits on a server that does not answer. The durations come from the
 * database URL's own parameters, so that `junction start` can be tuned without new settings.
 */
import { fork } from 'node:child_process'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isConfigError } from '../../src/core/config-error.js'
import { type Database, openDatabase } from '../../src/storage/database.js'
import { isDatabaseUnavailable } from '../../src/storage/database-errors.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { withTransaction } from '../../src/storage/reentry-guard.js'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/backends.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/** Bounds that only tell a bounded wait from a hang, on a machine busy with other work too. */
const hangBoundMs = 15_000

async function elapsed<T>(work: Promise<T>): Promise<{ ms: number; outcome: T | Error }> {
  const started = performance.now()
  const outcome = await work.catch((error: unknown) => error as Error)
  return { ms: performance.now() - started, outcome }
}

describe('database URL timeouts', () => {
  it('refuses a timeout parameter that is not a whole number, naming it but not the URL', async () => {
    const url = 'postgres://junction:s3cret-password@127.0.0.1:1/db?query_timeout=soon'
    const failure = await openDatabase({ backend: 'postgres', url }).catch((error: unknown) => error)
    expect(isConfigError(failure)).toBe(true)
    expect((failure as Error).message).toBe(
      'config error at databaseUrl?query_timeout: expected a whole number of milliseconds above 0',
    )
    expect((failure as Error).message).not.toContain('s3cret')
  })
})

describe.runIf(postgresAdminUrl() !== null)('PostgreSQL calls while the server misbehaves', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let viaProxy: URL

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
  })
  afterAll(async () => {
    tcp?.restore()
    await tcp?.close()
    await created?.drop()
  })

  const open = (parameters: Record<string, string>, poolSize = 3) => {
    const url = new URL(viaProxy)
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value)
    return openDatabase({ backend: 'postgres', url: url.toString(), poolSize })
  }

  it('has the server cancel a statement past statement_timeout, and keeps the connection usable', async () => {
    const database = await open({ statement_timeout: '300', query_timeout: '10000' }, 1)
    try {
      const slow = await elapsed(sql`select pg_sleep(3)`.execute(database.db))
      expect((slow.outcome as { code?: string }).code).toBe('57014')
      expect(isDatabaseUnavailable(slow.outcome)).toBe(true)
      expect(slow.ms).toBeLessThan(hangBoundMs)
      // The only connection of the pool answers the next query: the server cancelled, nothing was dropped.
      expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }])
    } finally {
      await database.close()
    }
  })

  it('gives up on a silent server after query_timeout, then drops every connection it had opened before', async () => {
    const database = await open({ query_timeout: '500', connect_timeout: '1' }, 3)
    try {
      // Three connections open and idle in the pool.
      await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(database.db)))
      tcp.blackhole()
      const silent = await elapsed(sql`select 1`.execute(database.db))
      expect((silent.outcome as Error).message).toMatch(/query read timeout/i)
      expect(isDatabaseUnavailable(silent.outcome)).toBe(true)
      expect(silent.ms).toBeLessThan(hangBoundMs)
      tcp.restore()
      // The two other connections are as silent as the first: each query after the return must get a new one,
      // not wait out a timeout on an old one.
      for (let n = 0; n < 4; n++) {
        expect((await sql<{ n: number }>`select ${n}::int as n`.execute(database.db)).rows).toEqual([{ n }])
      }
    } finally {
      tcp.restore()
      await database.close()
    }
  })

  it('never hands out again the connection whose query timed out', async () => {
    // One connection: after the timeout the pool must open a new one, not queue behind the unanswered query.
    const database = await open({ query_timeout: '500', connect_timeout: '1' }, 1)
    try {
      await sql`select 1`.execute(database.db)
      tcp.blackhole()
      const silent = await elapsed(withTransaction(database.db, (trx) => sql`select 1`.execute(trx)))
      expect(isDatabaseUnavailable(silent.outcome)).toBe(true)
      expect(silent.ms).toBeLessThan(hangBoundMs)
      tcp.restore()
      expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }])
    } finally {
      tcp.restore()
      await database.close()
    }
  })

  it('closes within its bound while the server is silent, queries in flight included', async () => {
    const database = await open({ query_timeout: '60000', connect_timeout: '1' }, 3)
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(database.db)))
    tcp.blackhole()
    const inFlight = sql`select 1`.execute(database.db).catch((error: unknown) => error)
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      // Closing lets connections end for 2 s, then drops them, then waits at most 2 s more.
      const closing = await elapsed(database.close())
      expect(closing.ms).toBeLessThan(hangBoundMs)
      expect(isDatabaseUnavailable(await inFlight)).toBe(true)
    } finally {
      tcp.restore()
      await database.close().catch(() => undefined)
    }
  })

  it('lets the process exit after close while the server is silent (no connection is left open)', async () => {
    const url = new URL(viaProxy)
    url.searchParams.set('connect_timeout', '1')
    const child = fork(join(import.meta.dirname, 'close-silent-database.script.ts'), [url.toString()], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    try {
      await new Promise((resolve, reject) => {
        child.once('message', resolve)
        child.once('exit', reject)
      })
      tcp.blackhole()
      const closed = new Promise((resolve) => child.once('message', resolve))
      child.send('close')
      await closed
      const started = performance.now()
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, hangBoundMs, 'running'))])
      expect(code).toBe(0)
      expect(performance.now() - started).toBeLessThan(hangBoundMs)
    } finally {
      tcp.restore()
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
  }, 60_000)

  it('runs migrations under the maintenance bound, not under a request query bound', async () => {
    const database = await open({ statement_timeout: '800', query_timeout: '1000' }, 2)
    try {
      expect(
        (await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(database.db)).rows[0]?.t,
      ).toBe('800ms')
      const during = await database.withMigrationLock(
        async (db) =>
          (await sql<{ t: string }>`select current_setting('statement_timeout') as t`.execute(db)).rows[0]?.t,
      )
      expect(during).toBe('10min')
      expect(await migrateToLatest(database)).toMatchObject({ applied: expect.any(Array) })
    } finally {
      await database.close()
    }
  })
})

describe('the embedded database', () => {
  let database: Database | undefined
  afterAll(async () => {
    await database?.close().catch(() => undefined)
  })

  it('closes within its bound while a transaction holds it and never finishes', async () => {
    database = await openDatabase({ backend: 'pglite', closeTimeoutMs: 500 })
    const opened = database
    let entered!: () => void
    const holding = new Promise<void>((resolve) => {
      entered = resolve
    })
    // A transaction that waits on something that never comes (a bug, or a hung call) keeps PGlite's one session.
    void withTransaction(opened.db, async () => {
      entered()
      await new Promise(() => undefined)
    }).catch(() => undefined)
    await holding
    const closing = await elapsed(opened.close())
    expect(closing.outcome).toBeUndefined()
    expect(closing.ms).toBeLessThan(hangBoundMs)
  })
})
