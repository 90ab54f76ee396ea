/** @module Recognising "the database is not answering", which the API reports as 503, not as a server bug. */

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
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const { message } = current
    const code = (current as { code?: unknown }).code
    // SQLSTATE class 08: connection exceptions.
    if (typeof code === 'string' && (unavailableCodes.has(code) || /^08/.test(code))) return true
    if (unavailableMessages.some((pattern) => pattern.test(message))) return true
    current = current.cause
  }
  return false
}
