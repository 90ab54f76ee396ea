/**
 * @module A Kysely pool over PGlite. PGlite is a single session, so the pool hands out its one connection to one
 * caller at a time, from `connect()` to `release()`; otherwise two transactions would interleave their statements.
 * (The `kysely-pglite` package does not serialise, which is why this exists.)
 */
import type { PGlite } from '@electric-sql/pglite'
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'

export function createPglitePool(pglite: PGlite): PostgresPool {
  let tail: Promise<void> = Promise.resolve()

  const client = {
    async query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
      const result = await pglite.query<R>(sqlText, [...parameters])
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
    end: async () => {
      await tail
    },
  }
}
