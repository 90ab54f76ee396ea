/**
 * @module Editing a query string without re-encoding it. `URLSearchParams` would rewrite every parameter
 * (`a%20b` becomes `a+b`, `e=a=b` becomes `e=a%3Db`), and the proxy keeps the caller's query as it came.
 */

/**
 * `search` (with or without its `?`) without any parameter a server could read as `name`, as a `?…` string or ''.
 * Servers differ in how they read a query, so every reading is removed: names compared without case, after
 * percent-decoding (twice encoded too) and `+` as a space, with leading and trailing spaces dropped, with a `[…]`
 * suffix (`key[]`, `key[0]`: PHP and Rails read an array), with `.` and spaces as `_` (PHP), and cut at a NUL; and
 * `;` taken as a separator as well as `&` (HTML 4, older Python and Java servers). Only the `;`-separated part that
 * names the parameter goes: `x=1;api_key=2` becomes `x=1`.
 */
export function withoutParameter(search: string, name: string): string {
  const text = search.startsWith('?') ? search.slice(1) : search
  if (text === '') return ''
  const unwanted = new Set(readingsOf(encodeURIComponent(name)))
  const named = (part: string) => readingsOf(rawNameOf(part)).some((reading) => unwanted.has(reading))
  const kept = text.split('&').flatMap((pair) => {
    const parts = pair.split(';')
    const rest = parts.filter((part) => !named(part))
    if (rest.length === parts.length) return [pair]
    return rest.length === 0 ? [] : [rest.join(';')]
  })
  return kept.length === 0 ? '' : `?${kept.join('&')}`
}

/** `search` with `name=value` added at the end, both encoded. */
export function withParameter(search: string, name: string, value: string): string {
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`
  const text = search.startsWith('?') ? search.slice(1) : search
  return text === '' ? `?${pair}` : `?${text}&${pair}`
}

function rawNameOf(pair: string): string {
  const equals = pair.indexOf('=')
  return equals === -1 ? pair : pair.slice(0, equals)
}

/** The names a server might read from a raw (still encoded) parameter name. */
function readingsOf(rawName: string): string[] {
  let decoded = rawName.replace(/\+/g, ' ')
  // Decoded until nothing changes (at most three times), for a server or a framework that decodes again.
  for (let round = 0; round < 3 && decoded.includes('%'); round++) {
    const next = percentDecode(decoded)
    if (next === decoded) break
    decoded = next
  }
  const lower = decoded.toLowerCase()
  const nul = lower.indexOf('\0')
  const readings: string[] = []
  for (const whole of nul === -1 ? [lower] : [lower, lower.slice(0, nul)]) {
    const bracket = whole.indexOf('[')
    for (const name of bracket === -1 ? [whole] : [whole, whole.slice(0, bracket)]) {
      const trimmed = trimBlank(name)
      readings.push(trimmed, trimmed.replace(/[ .[]/g, '_'))
    }
  }
  return readings
}

/** `text` without leading and trailing white space and control characters (NUL, tab, line breaks). */
function trimBlank(text: string): string {
  const blank = (character: string | undefined) =>
    character !== undefined && (character.charCodeAt(0) <= 0x20 || /\s/.test(character))
  let start = 0
  let end = text.length
  while (start < end && blank(text[start])) start++
  while (end > start && blank(text[end - 1])) end--
  return text.slice(start, end)
}

/** Percent-decoding that never throws: each `%XX` is a byte, anything else stays, and bad UTF-8 becomes U+FFFD. */
function percentDecode(text: string): string {
  const bytes: number[] = []
  for (let index = 0; index < text.length; ) {
    const hexPair = text.slice(index + 1, index + 3)
    if (text[index] === '%' && /^[0-9a-f]{2}$/i.test(hexPair)) {
      bytes.push(Number.parseInt(hexPair, 16))
      index += 3
    } else {
      const character = String.fromCodePoint(text.codePointAt(index) ?? 0)
      bytes.push(...Buffer.from(character, 'utf8'))
      index += character.length
    }
  }
  return Buffer.from(bytes).toString('utf8')
}
