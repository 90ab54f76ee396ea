/** @module The call log's `status` filter: an exact code (`429`), a class (`5xx`), or `error` (no answer, or 4xx/5xx). */
import { JunctionError } from '../core/errors.js'

export type StatusFilter = { kind: 'code'; code: number } | { kind: 'class'; from: number } | { kind: 'error' }

export function parseStatusFilter(text: string): StatusFilter {
  if (text === 'error') return { kind: 'error' }
  const code = /^([1-5]\d\d)$/.exec(text)?.[1]
  if (code !== undefined) return { kind: 'code', code: Number(code) }
  const digit = /^([1-5])xx$/i.exec(text)?.[1]
  if (digit !== undefined) return { kind: 'class', from: Number(digit) * 100 }
  throw new JunctionError('invalid_request', 'status: expected a status code (429), a class (5xx) or error')
}
