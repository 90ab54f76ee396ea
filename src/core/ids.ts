/** @module The id grammars of the wire rules (CONTRACT.md §3), and fresh row ids. */
import { randomUUID } from 'node:crypto'

/** Integration (and provider) ids: `^[a-z][a-z0-9_-]{0,63}$`. */
export const integrationIdPattern = /^[a-z][a-z0-9_-]{0,63}$/

/** User ids: 1–255 characters from `[A-Za-z0-9._~@+=:-]`, compared byte for byte, never normalised. */
export const userIdPattern = /^[A-Za-z0-9._~@+=:-]{1,255}$/

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
