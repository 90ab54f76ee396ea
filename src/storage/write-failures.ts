/**
 * @module Noticing a database that answers but cannot store anything: its disk is full (SQLSTATE 53100, ENOSPC,
 * EDQUOT), or it is read-only (25006, as a standby after a failover; EROFS, or 42501 saying so). Reads still work, so
 * a trivial query says all is well: `/health` reads this watch instead, and writes are answered 503, not 500.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely'

export type WriteFailureReason = 'disk_full' | 'read_only'

export interface WriteFailures {
  /**
   * Why the database refused the last write, if it did within `reportMs` and no write has worked since; undefined
   * while writes work.
   */
  current(): WriteFailureReason | undefined
  /** Wraps a pool so that every statement's outcome is seen. */
  watch(pool: PostgresPool): PostgresPool
}

export interface WriteFailuresOptions {
  /**
   * How long a refused write is reported without another one. A disk that stays full keeps being reported as long as
   * something tries to write (the call log does, while calls are made). @default 60_000
   */
  reportMs: number
}

const reasonOfCode: Readonly<Record<string, WriteFailureReason>> = {
  '53100': 'disk_full',
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  '25006': 'read_only',
  EROFS: 'read_only',
}

/** The reason a write was refused for lack of room or of write access, if that is what `error` says. */
export function writeFailureReason(error: unknown): WriteFailureReason | undefined {
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && reasonOfCode[code] !== undefined) return reasonOfCode[code]
    // PostgreSQL reports a file it may not write (EACCES, EPERM, EROFS) as 42501, insufficient privilege: only the
    // message tells the embedded database's files on a disk gone read-only from a missing grant.
    if (code === '42501' && /read-only file system/i.test(current.message)) return 'read_only'
    current = current.cause
  }
  return undefined
}

const writeStatement = /^\s*(insert|update|delete)\b/i

export function createWriteFailures(options: WriteFailuresOptions = { reportMs: 60_000 }): WriteFailures {
  let last: { reason: WriteFailureReason; at: number } | undefined
  /** Pools hand the same client out again and again: each is wrapped once. */
  const observed = new WeakSet<PostgresPoolClient>()

  function observe(client: PostgresPoolClient): PostgresPoolClient {
    if (observed.has(client)) return client
    observed.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
    // Kysely calls query(sql, parameters) and awaits the promise.
    ;(client as { query: unknown }).query = async (...args: unknown[]) => {
      try {
        const result = await query(...args)
        // Only while a failure stands: a write that works again ends it (normal operation pays nothing).
        if (last !== undefined && typeof args[0] === 'string' && writeStatement.test(args[0])) last = undefined
        return result
      } catch (error) {
        const reason = writeFailureReason(error)
        if (reason !== undefined) last = { reason, at: Date.now() }
        throw error
      }
    }
    return client
  }

  return {
    current() {
      if (last === undefined) return undefined
      if (Date.now() - last.at > options.reportMs) {
        last = undefined
        return undefined
      }
      return last.reason
    },
    watch: (pool) => ({
      connect: async () => observe(await pool.connect()),
      end: () => pool.end(),
    }),
  }
}
