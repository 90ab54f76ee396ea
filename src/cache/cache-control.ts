/**
 * @module `Cache-Control` read as RFC 9111 §5.2 writes it: comma-separated directives, names case-insensitive, a value
 * after `=` as a token or a quoted string.
 * @see RFC 9111 §5.2
 */

/** The directives of a `Cache-Control` value, by lower-case name; a directive without a value maps to `''`. */
export function cacheDirectives(value: string | undefined): ReadonlyMap<string, string> {
  const directives = new Map<string, string>()
  if (value === undefined) return directives
  for (const part of value.split(',')) {
    const equals = part.indexOf('=')
    const name = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase()
    if (name === '') continue
    const raw = equals === -1 ? '' : part.slice(equals + 1).trim()
    const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
    // The first occurrence counts (RFC 9111 §4.2.1 leaves duplicates to the cache: the stricter reading is kept
    // by never letting a later, looser copy win).
    if (!directives.has(name)) directives.set(name, unquoted)
  }
  return directives
}

/** A delta-seconds directive's value (`max-age=60`), or undefined when absent or not a non-negative integer. */
export function deltaSeconds(directives: ReadonlyMap<string, string>, name: string): number | undefined {
  const value = directives.get(name)
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}
