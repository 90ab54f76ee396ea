/**
 * @module How long a PostgreSQL call may take before it counts as failed. A database host that crashes, or a failover
 * that leaves old connections open and silent, must cost a request one bounded wait, never a hang. The database URL
 * may override each duration with the parameter PostgreSQL's tools already know it by.
 */
import { ConfigError } from '../core/config-error.js'

export interface PostgresTimeouts {
  /**
   * How long a query waits for the server's answer, measured by Junction itself, so that a server that went silent
   * (no answer, no reset) is noticed. The connection is then dropped, never reused. URL parameter `query_timeout`
   * (milliseconds, as node-postgres names it).
   * @default 10_000
   */
  queryTimeoutMs: number
  /**
   * How long the server runs one statement before cancelling it. Below `queryTimeoutMs`, so that a slow statement
   * is cancelled by the server (its connection stays usable) before Junction gives up on the connection. URL
   * parameter `statement_timeout` (milliseconds, as in PostgreSQL).
   * @default 90% of queryTimeoutMs
   */
  statementTimeoutMs: number
  /**
   * How long opening a connection (or waiting for a free one in the pool) may take. URL parameter `connect_timeout`
   * (seconds, as in libpq).
   * @default 5_000
   */
  connectTimeoutMs: number
  /**
   * Idle time before TCP keepalive probes start, so that a connection to a host that vanished is noticed while it
   * sits in the pool. URL parameter `keepalives_idle` (seconds, as in libpq).
   * @default 10_000
   */
  keepAliveInitialDelayMs: number
  /**
   * How long the server keeps a session that sits idle inside a transaction: a hub that lost its connection
   * mid-transaction leaves no row locked for longer than this. URL parameter `idle_in_transaction_session_timeout`
   * (milliseconds, as in PostgreSQL).
   * @default 60_000
   */
  idleInTransactionTimeoutMs: number
  /**
   * The bound for migrations, which may build indexes over large tables: both their statements and their wait for
   * the migration lock. Not taken from the URL.
   * @default 600_000 (10 minutes)
   */
  maintenanceTimeoutMs: number
  /**
   * How long `close()` lets connections finish before dropping them (a silent server never acknowledges a goodbye).
   * @default 2_000
   */
  closeTimeoutMs: number
}

const defaultQueryTimeoutMs = 10_000

export const defaultPostgresTimeouts: Readonly<Omit<PostgresTimeouts, 'statementTimeoutMs'>> = Object.freeze({
  queryTimeoutMs: defaultQueryTimeoutMs,
  connectTimeoutMs: 5_000,
  keepAliveInitialDelayMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  maintenanceTimeoutMs: 600_000,
  closeTimeoutMs: 2_000,
})

/** The URL parameters read, each with the unit it has in libpq or PostgreSQL. */
const urlParameters = [
  { name: 'query_timeout', field: 'queryTimeoutMs', unitMs: 1, unit: 'milliseconds' },
  { name: 'statement_timeout', field: 'statementTimeoutMs', unitMs: 1, unit: 'milliseconds' },
  { name: 'connect_timeout', field: 'connectTimeoutMs', unitMs: 1_000, unit: 'seconds' },
  { name: 'keepalives_idle', field: 'keepAliveInitialDelayMs', unitMs: 1_000, unit: 'seconds' },
  {
    name: 'idle_in_transaction_session_timeout',
    field: 'idleInTransactionTimeoutMs',
    unitMs: 1,
    unit: 'milliseconds',
  },
] as const

/**
 * The timeouts to use and the URL to hand the driver, without the parameters read here (the driver would otherwise
 * apply them to every pool, the migrations' included). Precedence: URL parameter, then `given`, then the default.
 * Throws {@link ConfigError} for a parameter that is not a whole number above 0; the message never holds the URL.
 */
export function resolvePostgresTimeouts(
  url: string,
  given: Partial<PostgresTimeouts> = {},
): { url: string; timeouts: PostgresTimeouts } {
  const withDefaults = (fromUrl: Partial<PostgresTimeouts>) => {
    const merged = { ...defaultPostgresTimeouts, ...given, ...fromUrl }
    const statementTimeoutMs = merged.statementTimeoutMs ?? Math.max(1, Math.floor(merged.queryTimeoutMs * 0.9))
    return { ...merged, statementTimeoutMs }
  }
  // A URL the WHATWG parser refuses goes to the driver as it is, which says what is wrong with it.
  if (!URL.canParse(url)) return { url, timeouts: withDefaults({}) }
  const parsed = new URL(url)
  const fromUrl: Partial<PostgresTimeouts> = {}
  for (const parameter of urlParameters) {
    const text = parsed.searchParams.get(parameter.name)
    if (text === null) continue
    if (!/^[1-9]\d{0,9}$/.test(text)) {
      throw new ConfigError(`databaseUrl?${parameter.name}`, `expected a whole number of ${parameter.unit} above 0`)
    }
    fromUrl[parameter.field] = Number(text) * parameter.unitMs
    parsed.searchParams.delete(parameter.name)
  }
  // Untouched when it names none of them, so that the driver reads exactly what was configured.
  return { url: Object.keys(fromUrl).length === 0 ? url : parsed.toString(), timeouts: withDefaults(fromUrl) }
}
