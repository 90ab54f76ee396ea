/**
 * @module Catches code that asks for the database while it holds a transaction. On PGlite (one session) that waits
 * for itself forever; on PostgreSQL it quietly takes a second connection outside the transaction. Both are bugs, so
 * the guard throws at once on either backend.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Kysely, PostgresPool, PostgresPoolClient, Transaction } from 'kysely'
import { JunctionError } from '../core/errors.js'

interface TransactionScope {
  holdsConnection: boolean
}

const scope = new AsyncLocalStorage<TransactionScope>()

function reentryError(): JunctionError {
  return new JunctionError(
    'internal_error',
    'database asked for again from inside a transaction: use the transaction handle, not the database',
  )
}

/** Wraps a pool so that acquiring a connection inside a transaction's scope throws instead of waiting. */
export function guardPool(pool: PostgresPool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const current = scope.getStore()
      if (current?.holdsConnection) throw reentryError()
      const client = await pool.connect()
      if (current === undefined) return client
      current.holdsConnection = true
      const release = client.release.bind(client)
      client.release = (destroy?: boolean) => {
        current.holdsConnection = false
        release(destroy)
      }
      return client
    },
    end: () => pool.end(),
  }
}

/**
 * Transactions running now. The scope is switched off whenever none is: on Node 20 an enabled AsyncLocalStorage
 * installs promise hooks that slow every promise of the process (about twice as slow in a tight await loop), so the
 * proxy's hot path, which opens no transaction, would pay for a guard it never needs.
 */
let openTransactions = 0

/** Runs `work` in a transaction; inside it, only `trx` may be used. The one way transactions are opened. */
export async function withTransaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (scope.getStore()?.holdsConnection) throw reentryError()
  openTransactions++
  try {
    return await scope.run({ holdsConnection: false }, () => db.transaction().execute(work))
  } finally {
    openTransactions--
    if (openTransactions === 0) scope.disable()
  }
}
