/**
 * @module Reads request headers the same way whether they come as a web `Headers` object or a plain record, and
 * says when a header that must appear once appears twice.
 */
import type { WebhookHeaders, WebhookRefusalReason } from './types.js'

export type HeaderValue = { kind: 'absent' } | { kind: 'repeated' } | { kind: 'single'; value: string }

/** Looks a header up by name, whatever its case. */
export type HeaderReader = (name: string) => HeaderValue

const absent: HeaderValue = { kind: 'absent' }
const repeated: HeaderValue = { kind: 'repeated' }

export function headerReader(headers: WebhookHeaders): HeaderReader {
  if (isHeadersObject(headers)) {
    // A Headers object joins repeated headers with ", ": schemes whose values hold no comma detect that themselves.
    return (name) => {
      const value = headers.get(name)
      return value === null ? absent : { kind: 'single', value }
    }
  }
  const byName = new Map<string, string[]>()
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const key = name.toLowerCase()
    const values = byName.get(key) ?? []
    // Array.isArray does not narrow a readonly array out of a union, hence the typeof test.
    if (typeof value === 'string') values.push(value)
    else values.push(...value)
    byName.set(key, values)
  }
  return (name) => {
    const values = byName.get(name.toLowerCase())
    if (values === undefined || values.length === 0) return absent
    if (values.length > 1) return repeated
    return { kind: 'single', value: values[0]! }
  }
}

/**
 * A header that must be sent once and whose value never holds a comma (a hex or base64 signature, a timestamp): a
 * comma means two copies were joined on the way, which is refused rather than letting one of them win.
 */
export function soleHeaderValue(
  read: HeaderReader,
  name: string,
  whenAbsent: WebhookRefusalReason,
): { value: string } | { reason: WebhookRefusalReason } {
  const header = read(name)
  if (header.kind === 'absent') return { reason: whenAbsent }
  if (header.kind === 'repeated' || header.value.includes(',')) return { reason: 'duplicate_header' }
  return { value: header.value }
}

/** A header's value when it was sent exactly once, else `undefined` (for ids, which only feed deduplication). */
export function optionalHeaderValue(read: HeaderReader, name: string): string | undefined {
  const header = read(name)
  return header.kind === 'single' && header.value !== '' ? header.value : undefined
}

function isHeadersObject(headers: WebhookHeaders): headers is Headers {
  // Duck-typed so that a Headers from another copy of undici counts too; a record's values are never functions.
  return typeof (headers as { get?: unknown }).get === 'function'
}
