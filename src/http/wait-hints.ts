/**
 * @module How long a provider asks us to wait, read from its response headers.
 *
 * `Retry-After` is an instruction and wins when present. Reset headers (`X-RateLimit-Reset` and kin) only say when a
 * quota window ends: GitHub sends them on every response, so they count only when the response is a 429 or says the
 * budget is spent (`remaining: 0`). Among reset headers the longest wins (the most restrictive limit binds).
 */

export type HeaderLookup = (name: string) => string | undefined

/** Epoch values above this are milliseconds, not seconds (2001-09-09 in ms; year 33658 in seconds). */
const epochMillisecondsThreshold = 1e12
/** Reset values above this are epoch seconds rather than a delta (a delta of 30 years is not a delta). */
const epochSecondsThreshold = 1e9

/**
 * The wait in milliseconds that the response asks for, or undefined when it names none.
 * @param now epoch milliseconds, for HTTP dates and epoch resets
 * @see RFC 9110 §10.2.3 (Retry-After)
 */
export function waitHintMs(status: number, header: HeaderLookup, now: number): number | undefined {
  // A delta in seconds, sent by some API gateways beside or instead of Retry-After.
  const instructed = retryAfterMs(header('retry-after'), now) ?? numberMs(header('x-ratelimit-retry-after'), now)
  if (instructed !== undefined) return instructed
  if (status !== 429 && !budgetExhausted(header)) return undefined
  const resets = [
    // GitHub and X (Twitter) send epoch seconds; some APIs a delta; a few (Lemlist) a date string.
    resetMs(header('x-ratelimit-reset'), now),
    // IETF draft-ietf-httpapi-ratelimit-headers: delta-seconds; GitLab sends epoch seconds under the same name.
    resetMs(header('ratelimit-reset'), now),
  ].filter((hint): hint is number => hint !== undefined)
  return resets.length === 0 ? undefined : Math.max(...resets)
}

/** True when the response says the budget is used up (`remaining: 0`), before any 429. */
export function budgetExhausted(header: HeaderLookup): boolean {
  for (const name of ['x-ratelimit-remaining', 'ratelimit-remaining']) {
    const value = header(name)
    if (value !== undefined && /^\s*0+(\.0*)?\s*$/.test(value)) return true
  }
  return false
}

function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : dateMs(trimmed, now)
}

/** A reset header's wait: epoch milliseconds or seconds, a delta in seconds, or an HTTP date. */
export function resetMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  return numberMs(value, now) ?? dateMs(value.trim(), now)
}

/** A plain number: epoch milliseconds, epoch seconds, or a delta in seconds, told apart by size. */
function numberMs(value: string | undefined, now: number): number | undefined {
  const trimmed = value?.trim()
  if (trimmed === undefined || !/^\d+(\.\d+)?$/.test(trimmed)) return undefined
  const number = Number(trimmed)
  if (number >= epochMillisecondsThreshold) return Math.max(0, number - now)
  if (number >= epochSecondsThreshold) return Math.max(0, number * 1000 - now)
  return number * 1000
}

/** An HTTP date in any of the three forms of RFC 9110 §5.6.7 (IMF-fixdate, RFC 850, asctime). */
function dateMs(value: string, now: number): number | undefined {
  // Only full dates: Date.parse accepts odd fragments ("1", "May") that are not HTTP dates.
  if (!/^[a-z]{3,9},? .*\d{1,2}:\d{2}:\d{2}/i.test(value)) return undefined
  const at = Date.parse(/GMT$/i.test(value) ? value : `${value} GMT`)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
