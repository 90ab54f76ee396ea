/**
 * @module Editing a query string without re-encoding it. `URLSearchParams` would rewrite every parameter
 * (`a%20b` becomes `a+b`, `e=a=b` becomes `e=a%3Db`), and the proxy keeps the caller's query as it came.
 */
import { parameterName } from '../core/uri.js'

/** `search` (with or without its `?`) without the parameters named `name`, as a `?…` string or ''. */
export function withoutParameter(search: string, name: string): string {
  const text = search.startsWith('?') ? search.slice(1) : search
  if (text === '') return ''
  const kept = text.split('&').filter((pair) => parameterName(pair) !== name)
  return kept.length === 0 ? '' : `?${kept.join('&')}`
}

/** `search` with `name=value` added at the end, both encoded. */
export function withParameter(search: string, name: string, value: string): string {
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`
  const text = search.startsWith('?') ? search.slice(1) : search
  return text === '' ? `?${pair}` : `?${text}&${pair}`
}
