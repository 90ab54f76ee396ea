/** @module Recognising "the database is not answering", which the API reports as 503, not as a server bug. */

import { isJunctionError, JunctionError } from '../core/errors.js'
import { writeFailureReason } from './write-failures.js'

/** pg's message when `query_timeout` passes without an answer; also how {@link queryOnDiscardedConnection} starts. */
const queryTimeoutPattern = /query read timeout/i

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Cancelled by statement_timeout: the database did not answer in time.
  '57014',
  '57P01',
  '57P02',
  '57P03',
])
const unavailableMessages = [
  /connection terminated/i,
  queryTimeoutPattern,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /pglite is closed/i,
  /cannot use a pool after calling end/i,
  /driver has already been destroyed/i,
]

/**
 * Whether an error from the database layer says that the database is not answering. An error Junction has already
 * classified (a `JunctionError`) is not one, whatever it wraps: a provider's host that does not resolve is a
 * `network_error`, though its cause carries the same `ENOTFOUND` as a database host that does not resolve would.
 * Only Junction's own `unavailable` for the database (see {@link databaseUnavailable}) counts.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error
  // Drivers and Kysely wrap; the walk stops at Junction's own classification.
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (isJunctionError(current)) return current.code === 'unavailable' && isDatabaseUnavailable(current.cause)
    if (saysUnavailable(current)) return true
    current = current.cause
  }
  return false
}

function saysUnavailable(error: Error): boolean {
  // A full disk or a read-only server answers, but cannot do the work: to callers, unavailable too.
  if (writeFailureReason(error) !== undefined) return true
  // A PANIC ends the server's work (the embedded database's, for good: see pglite-pool.ts).
  if ((error as { severity?: unknown }).severity === 'PANIC') return true
  const code = (error as { code?: unknown }).code
  // SQLSTATE class 08: connection exceptions.
  if (typeof code === 'string' && (unavailableCodes.has(code) || /^08/.test(code))) return true
  return unavailableMessages.some((pattern) => pattern.test(error.message))
}

/** The database not answering, as Junction's own failure for callers (503 `unavailable`, retry in 5 s). */
export function databaseUnavailable(cause: unknown): JunctionError {
  const message =
    writeFailureReason(cause) === undefined
      ? 'the database is not answering; try again shortly'
      : 'the database cannot store anything: its disk is full or it is read-only'
  return new JunctionError('unavailable', message, {
    retryAfterSeconds: 5,
    cause,
  })
}

/** Whether the server left a query unanswered past `query_timeout` (the connection is then unusable). */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && queryTimeoutPattern.test(error.message)
}

/** A query refused because an earlier one on the same connection timed out: the connection is being dropped. */
export function queryOnDiscardedConnection(): Error {
  return new Error('Query read timeout earlier on this connection: it is dropped')
}

/** A unique key refused the write (SQLSTATE 23505): another writer got there first. */
export function isUniqueViolation(error: unknown): boolean {
  return someCause(error, (current) => (current as { code?: unknown }).code === '23505')
}

/** A foreign key refused the write (SQLSTATE 23503): the row it points at is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  return someCause(error, (current) => (current as { code?: unknown }).code === '23503')
}

/** Whether the error, or one of the errors it wraps (drivers and Kysely wrap), matches. */
function someCause(error: unknown, matches: (error: Error) => boolean): boolean {
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (matches(current)) return true
    current = current.cause
  }
  return false
}
