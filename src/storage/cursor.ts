/** @module Opaque list cursors: an insertion-ordered key, encoded so that callers do not build them by hand. */
import { JunctionError } from '../core/errors.js'

export const defaultPageSize = 50
export const maxPageSize = 500
const maxBigint = 9_223_372_036_854_775_807n

export function encodeCursor(seq: string): string {
  return Buffer.from(`s:${seq}`, 'utf8').toString('base64url')
}

/** Decodes a cursor back to its sequence number; anything else is a 400. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^s:(\d{1,19})$/.exec(text)
  // Beyond PostgreSQL's bigint the database would refuse the comparison: that is a bad cursor, not a server error.
  if (match?.[1] === undefined || BigInt(match[1]) > maxBigint) {
    throw new JunctionError('invalid_request', 'cursor is not one this API returned')
  }
  return match[1]
}

export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

/** Given `limit + 1` rows, the page of `limit` and the cursor after it. */
export function toPage<Row extends { seq: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const more = rows.length > limit
  const kept = more ? rows.slice(0, limit) : rows
  const last = kept[kept.length - 1]
  return { data: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(String(last.seq)) : null }
}
