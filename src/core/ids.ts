/** @module The id grammars of the wire rules (docs/http-api.md, "Ids"), and fresh row ids. */
import { randomUUID } from 'node:crypto'

/** Integration (and provider) ids: `^[a-z][a-z0-9_-]{0,63}$`. */
export const integrationIdPattern = /^[a-z][a-z0-9_-]{0,63}$/

/**
 * User ids: 1–255 characters from `[A-Za-z0-9._~@+=:-]`, compared byte for byte, never normalised; but not `.` or
 * `..` alone. Those are dot segments: every URL parser (fetch, curl, browsers, `new URL`) folds them out of a path,
 * even percent-encoded, so `/v1/connections/acme/..` could never reach the connection, nor `DELETE /v1/users/..`
 * erase it. Refused up front, they are never stored (README, "User ids").
 */
export const userIdPattern = /^(?!\.{1,2}$)[A-Za-z0-9._~@+=:-]{1,255}$/

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function isIntegrationId(value: string): boolean {
  return integrationIdPattern.test(value)
}

export function isUserId(value: string): boolean {
  return userIdPattern.test(value)
}

export function isRowId(value: string): boolean {
  return uuidPattern.test(value)
}

/** A fresh random row id (UUID v4): also the row binding of every value sealed into that row. */
export function newRowId(): string {
  return randomUUID()
}
