/** @module Recognising "the database is not answering", which the API reports as 503, not as a server bug. */

import { JunctionError } from '../core/errors.js'

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
])
const unavailableMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /pglite is closed/i,
  /cannot use a pool after calling end/i,
  /driver has already been destroyed/i,
]

export function isDatabaseUnavailable(error: unknown): boolean {
  return someCause(error, (current) => {
    const code = (current as { code?: unknown }).code
    // SQLSTATE class 08: connection exceptions.
    if (typeof code === 'string' && (unavailableCodes.has(code) || /^08/.test(code))) return true
    return unavailableMessages.some((pattern) => pattern.test(current.message))
  })
}

/** The database not answering, as Junction's own failure for callers (503 `unavailable`, retry in 5 s). */
export function databaseUnavailable(cause: unknown): JunctionError {
  return new JunctionError('unavailable', 'the database is not answering; try again shortly', {
    retryAfterSeconds: 5,
    cause,
  })
}

/** A unique key refused the write (SQLSTATE 23505): another writer got there first. */
export function isUniqueViolation(error: unknown): boolean {
  return someCause(error, (current) => (current as { code?: unknown }).code === '23505')
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
