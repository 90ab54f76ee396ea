/**
 * @module Opens the database: PGlite (real PostgreSQL in WebAssembly, files under the data dir) by default, or
 * PostgreSQL through `pg` when a URL is given. One Kysely instance either way; SQL must run on PostgreSQL 15 and on
 * PGlite's 18.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Logger } from '../core/logger.js'
import { createPglitePool } from './pglite-pool.js'
import { guardPool } from './reentry-guard.js'
import type { Schema } from './schema.js'

export type DatabaseTarget =
  | { backend: 'pglite' /** Folder for the database files; in memory when absent (tests). */; dataDir?: string }
  | { backend: 'postgres'; url: string /** @default 10 */; poolSize?: number }

export interface Database {
  readonly db: Kysely<Schema>
  readonly backend: DatabaseTarget['backend']
  /** Runs `work` while holding the cluster-wide migration lock (PostgreSQL); PGlite has one process by design. */
  withMigrationLock<T>(work: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export async function openDatabase(target: DatabaseTarget, logger?: Logger): Promise<Database> {
  return target.backend === 'pglite' ? openPglite(target.dataDir) : openPostgres(target.url, target.poolSize, logger)
}

/** The folder inside the data dir that holds PGlite's files. */
export function pgliteDirectory(dataDir: string): string {
  return join(dataDir, 'pgdata')
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  let directory: string | undefined
  if (dataDir !== undefined) {
    directory = pgliteDirectory(dataDir)
    mkdirSync(directory, { recursive: true, mode: 0o700 })
  }
  // PGlite's default 128 MB of shared buffers costs about as much resident memory for a single-session database
  // whose files still sit in the OS page cache; 32 MB saves ~100 MiB of RSS (measured by npm run bench).
  const pglite = await PGlite.create(directory, { postgresqlconf: ['shared_buffers=32MB'] })
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardPool(createPglitePool(pglite)) }) })
  return {
    db,
    backend: 'pglite',
    withMigrationLock: (work) => work(),
    async close() {
      await db.destroy()
      await pglite.close()
    },
  }
}

/** An arbitrary constant naming Junction's migration lock among PostgreSQL advisory locks. */
const migrationLockId = 7_310_924_001

async function openPostgres(url: string, poolSize = 10, logger?: Logger): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 })
  // An idle client losing its server must not crash the process; the next query reports the outage.
  pool.on('error', (error) => logger?.warn({ err: error }, 'a PostgreSQL connection failed while idle'))
  // A connection can also fail while checked out between two queries; without a listener that would be an uncaught
  // exception. The query in flight (if any) still fails with its own error, and the pool drops the broken client.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger?.warn({ err: error }, 'a PostgreSQL connection failed'))
  })
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardPool(pool) }) })
  return {
    db,
    backend: 'postgres',
    async withMigrationLock(work) {
      // A connection of its own, outside the pool: the migrations need pool connections while the lock is held.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
      client.on('error', (error) => logger?.warn({ err: error }, 'the migration lock connection failed'))
      await client.connect()
      try {
        await client.query('select pg_advisory_lock($1)', [migrationLockId])
        return await work()
      } finally {
        // Ending the session releases the advisory lock even if the unlock below cannot be sent.
        await client.query('select pg_advisory_unlock($1)', [migrationLockId]).catch(() => undefined)
        await client.end().catch(() => undefined)
      }
    },
    close: () => db.destroy(),
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
