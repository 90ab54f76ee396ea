/**
 * @module Opens the database: PGlite (real PostgreSQL in WebAssembly, files under the data dir) by default, or
 * PostgreSQL through `pg` when a URL is given. One Kysely instance either way; SQL must run on PostgreSQL 15 and on
 * PGlite's 18.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Logger } from '../core/logger.js'
import { createPglitePool } from './pglite-pool.js'
import { openPostgresPool, postgresClientConfig } from './postgres-pool.js'
import { type PostgresTimeouts, resolvePostgresTimeouts } from './postgres-timeouts.js'
import { guardPool } from './reentry-guard.js'
import type { Schema } from './schema.js'
import { createWriteFailures, type WriteFailureReason } from './write-failures.js'

export type DatabaseTarget =
  | {
      backend: 'pglite'
      /** Folder for the database files; in memory when absent (tests). */
      dataDir?: string
      /**
       * How long `close()` waits for work that holds the database (a transaction) before closing it anyway.
       * @default 2_000
       */
      closeTimeoutMs?: number
    }
  | {
      backend: 'postgres'
      /** May carry `query_timeout`, `statement_timeout`, `connect_timeout`, `keepalives_idle` (see {@link PostgresTimeouts}). */
      url: string
      /** @default 10 */
      poolSize?: number
      /** Durations of every call; the URL's parameters win over these, which win over the defaults. */
      timeouts?: Partial<PostgresTimeouts>
    }

export interface Database {
  readonly db: Kysely<Schema>
  readonly backend: DatabaseTarget['backend']
  /**
   * Runs `work` while holding the cluster-wide migration lock (PostgreSQL), handing it the database to migrate
   * through: on PostgreSQL a connection of its own whose statements may run for `maintenanceTimeoutMs` (an index
   * over a large table takes longer than a request's query may). PGlite has one process by design.
   */
  withMigrationLock<T>(work: (db: Kysely<Schema>) => Promise<T>): Promise<T>
  /** Why the database refuses writes lately (a full disk, a read-only server), though it still answers. */
  cannotWrite(): WriteFailureReason | undefined
  /** Closes the database; bounded, even when the server has gone silent. */
  close(): Promise<void>
}

export async function openDatabase(target: DatabaseTarget, logger?: Logger): Promise<Database> {
  return target.backend === 'pglite' ? openPglite(target, logger) : openPostgres(target, logger)
}

/** The folder inside the data dir that holds PGlite's files. */
export function pgliteDirectory(dataDir: string): string {
  return join(dataDir, 'pgdata')
}

async function openPglite(
  target: Extract<DatabaseTarget, { backend: 'pglite' }>,
  logger: Logger | undefined,
): Promise<Database> {
  let directory: string | undefined
  if (target.dataDir !== undefined) {
    directory = pgliteDirectory(target.dataDir)
    mkdirSync(directory, { recursive: true, mode: 0o700 })
  }
  // PGlite's default 128 MB of shared buffers costs about as much resident memory for a single-session database
  // whose files still sit in the OS page cache; 32 MB saves ~100 MiB of RSS (measured by npm run bench).
  // Loaded here, not at the top: a hub on PostgreSQL never holds the embedded database's code in memory.
  const { PGlite } = await import('@electric-sql/pglite')
  const pglite = await PGlite.create(directory, { postgresqlconf: ['shared_buffers=32MB'] })
  const pool = createPglitePool(pglite, {
    endTimeoutMs: target.closeTimeoutMs ?? 2_000,
    onEndTimeout: () => logger?.warn('work still holds the embedded database: closing it anyway'),
  })
  const writes = createWriteFailures()
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardPool(writes.watch(pool)) }) })
  return {
    db,
    backend: 'pglite',
    cannotWrite: writes.current,
    withMigrationLock: (work) => work(db),
    async close() {
      await db.destroy()
      await pglite.close()
    },
  }
}

/** An arbitrary constant naming Junction's migration lock among PostgreSQL advisory locks. */
const migrationLockId = 7_310_924_001

async function openPostgres(
  target: Extract<DatabaseTarget, { backend: 'postgres' }>,
  logger: Logger | undefined,
): Promise<Database> {
  const { url, timeouts } = resolvePostgresTimeouts(target.url, target.timeouts)
  const pool = openPostgresPool({ url, size: target.poolSize ?? 10, timeouts, logger })
  const writes = createWriteFailures()
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardPool(writes.watch(pool)) }) })
  // Migrations may run for minutes; the lock's wait too, while another process migrates.
  const maintenance: PostgresTimeouts = {
    ...timeouts,
    queryTimeoutMs: timeouts.maintenanceTimeoutMs,
    statementTimeoutMs: timeouts.maintenanceTimeoutMs,
  }
  return {
    db,
    backend: 'postgres',
    cannotWrite: writes.current,
    async withMigrationLock(work) {
      // A connection of its own, outside the pools: the migrations need theirs while the lock is held.
      const client = new pg.Client(postgresClientConfig(url, maintenance))
      client.on('error', (error) => logger?.warn({ err: error }, 'the migration lock connection failed'))
      try {
        await client.connect()
        await client.query('select pg_advisory_lock($1)', [migrationLockId])
        const migrating = new Kysely<Schema>({
          dialect: new PostgresDialect({
            pool: guardPool(openPostgresPool({ url, size: 2, timeouts: maintenance, logger })),
          }),
        })
        try {
          return await work(migrating)
        } finally {
          await migrating.destroy()
        }
      } finally {
        // Ending the session releases the advisory lock: no unlock to send, and none to wait for.
        await endClient(client, timeouts.closeTimeoutMs)
      }
    },
    close: () => db.destroy(),
  }
}

/** Ends a client outside the pools, dropping its socket if a silent server does not let it end in time. */
async function endClient(client: pg.Client, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.connection.stream.destroy()
      resolve()
    }, timeoutMs)
  })
  try {
    await Promise.race([client.end().catch(() => undefined), late])
  } finally {
    clearTimeout(timer)
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function databaseAnswers(database: Database, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  const query = sql`select 1`.execute(database.db).then(
    () => true,
    () => false,
  )
  try {
    return await Promise.race([query, timeout])
  } finally {
    clearTimeout(timer)
  }
}
