/**
 * @module A Kysely pool over PGlite. PGlite is a single session, so the pool hands out its one connection to one
 * caller at a time, from `connect()` to `release()`; otherwise two transactions would interleave their statements.
 * (The `kysely-pglite` package does not serialise, which is why this exists.)
 */
import type { PGlite } from '@electric-sql/pglite'
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'

export interface PglitePoolOptions {
  /**
   * How long `end()` waits for callers that hold or await the connection (a transaction in progress) before it
   * resolves anyway, so that closing never hangs on work that does not finish.
   * @default 2_000
   */
  endTimeoutMs?: number
  /** Called when `end()` stopped waiting. */
  onEndTimeout?: () => void
}

export function createPglitePool(pglite: PGlite, options: PglitePoolOptions = {}): PostgresPool {
  let tail: Promise<void> = Promise.resolve()
  /**
   * Set once PostgreSQL inside PGlite has PANICked (a WAL write refused, as on a disk gone read-only). Its next query
   * would block the event loop for good (measured with PGlite 0.5.17: no timer fires, no signal is handled), so none
   * is sent again: each fails at once, and the process can still answer 503 and stop.
   */
  let halted: Error | undefined

  const client = {
    async query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
      if (halted !== undefined) {
        throw new Error('the embedded database stopped after a fatal error: restart Junction', { cause: halted })
      }
      let result: Awaited<ReturnType<typeof pglite.query<R>>>
      try {
        result = await pglite.query<R>(sqlText, [...parameters])
      } catch (error) {
        if ((error as { severity?: unknown }).severity === 'PANIC') halted = error as Error
        throw error
      }
      return {
        command: (result.command ?? 'SELECT') as PostgresQueryResult<R>['command'],
        rowCount: result.affectedRows ?? result.rows.length,
        rows: result.rows,
      }
    },
  }

  return {
    async connect(): Promise<PostgresPoolClient> {
      let releaseTurn!: () => void
      const turn = new Promise<void>((resolve) => {
        releaseTurn = resolve
      })
      const previous = tail
      tail = previous.then(() => turn)
      await previous
      let released = false
      return {
        query: client.query,
        release: () => {
          if (released) return
          released = true
          releaseTurn()
        },
      } as PostgresPoolClient
    },
    async end() {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), options.endTimeoutMs ?? 2_000)
      })
      try {
        if ((await Promise.race([tail, late])) === 'late') options.onEndTimeout?.()
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
