/**
 * @module The PostgreSQL connection pool behind Kysely, made safe against a server that stops answering without
 * closing its connections (a host crash, a failover): every query is bounded on both sides, TCP keepalive is on, and
 * a connection whose query timed out is dropped instead of going back to the pool. `end()` is bounded too.
 */
import { Socket } from 'node:net'
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import pg from 'pg'
import type { Logger } from '../core/logger.js'
import { isQueryTimeout, queryOnDiscardedConnection } from './database-errors.js'
import type { PostgresTimeouts } from './postgres-timeouts.js'

/** Sockets of the connections, so that `end()` can drop what a silent server would keep open. */
function socketTracker() {
  const sockets = new Set<Socket>()
  return {
    /** pg's `stream` option: the socket pg would make itself, remembered until it closes. */
    stream: () => {
      const socket = new Socket()
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      return socket
    },
    allClosed: () => Promise.all([...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)))),
    destroyAll: () => {
      for (const socket of sockets) socket.destroy()
    },
  }
}

/** The settings every Junction connection to PostgreSQL is opened with. */
export function postgresClientConfig(url: string, timeouts: PostgresTimeouts): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    // pg's client-side bound: the only one that notices a server that went silent mid-query.
    query_timeout: timeouts.queryTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
  }
}

/**
 * The pool Kysely draws from. Its `end()` lets connections in use finish and close for `closeTimeoutMs`, then drops
 * every socket left (a silent server never acknowledges a goodbye), and resolves at the latest `closeTimeoutMs` later.
 */
export function openPostgresPool(options: {
  url: string
  size: number
  timeouts: PostgresTimeouts
  logger?: Logger | undefined
}): PostgresPool {
  const { timeouts, logger } = options
  const sockets = socketTracker()
  const pool = new pg.Pool({
    ...postgresClientConfig(options.url, timeouts),
    max: options.size,
    stream: sockets.stream,
  })
  // An idle client losing its server must not crash the process; the next query reports the outage.
  pool.on('error', (error) => logger?.warn({ err: error }, 'a PostgreSQL connection failed while idle'))
  // A connection can also fail while checked out between two queries; without a listener that would be an uncaught
  // exception. The query in flight (if any) still fails with its own error, and the pool drops the broken client.
  let opened = 0
  const births = new WeakMap<pg.PoolClient, number>()
  pool.on('connect', (client) => {
    births.set(client, ++opened)
    client.on('error', (error) => logger?.warn({ err: error }, 'a PostgreSQL connection failed'))
  })

  // A query timing out means the server went silent on that connection; the others opened before it most likely
  // went the same way (same host, same path), so each is dropped when next taken from the pool rather than costing
  // a request a whole query timeout of its own.
  let condemnedUpTo = 0
  const timedOut = new WeakSet<pg.PoolClient>()
  const isSuspect = (client: pg.PoolClient) =>
    timedOut.has(client) || (births.get(client) ?? Number.POSITIVE_INFINITY) <= condemnedUpTo
  const discard = (client: pg.PoolClient) => {
    client.release(true)
    // pg ends a dropped client with a goodbye that a silent server never acknowledges: close the socket outright.
    client.connection.stream.destroy()
  }

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let released = false
    const wrapped = {
      async query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        // pg leaves the timed-out query active on its connection: anything sent after it would wait behind it.
        if (timedOut.has(client)) throw queryOnDiscardedConnection()
        try {
          // pg's result, as Kysely's own pg driver takes it (its row type is the query's, which pg cannot know).
          return (await client.query(sqlText, [...parameters])) as unknown as PostgresQueryResult<R>
        } catch (error) {
          if (isQueryTimeout(error)) {
            timedOut.add(client)
            condemnedUpTo = opened
          }
          throw error
        }
      },
      release(destroy?: boolean) {
        if (released) return
        released = true
        if (destroy === true || isSuspect(client)) discard(client)
        else client.release()
      },
    }
    // Kysely's client type also has a cursor overload, used only with the dialect's `cursor` option (never set).
    return wrapped as PostgresPoolClient
  }

  return {
    async connect() {
      for (;;) {
        const client = await pool.connect()
        if (!isSuspect(client)) return wrap(client)
        discard(client)
      }
    },
    async end() {
      const ended = pool.end()
      // pg-pool's end settles once no connection is checked out; each connection then says goodbye, which a silent
      // server never acknowledges: both are waited for, within the bound, then what is left is dropped.
      const closed = ended.then(() => sockets.allClosed())
      if (await settlesWithin(closed, timeouts.closeTimeoutMs)) return
      logger?.warn('PostgreSQL connections did not close in time: dropping them')
      sockets.destroyAll()
      await settlesWithin(ended, timeouts.closeTimeoutMs)
    },
  }
}

/** Whether `promise` settles within `ms` (its outcome is not needed, only that it came). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}
