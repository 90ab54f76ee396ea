/**
 * @module How long a provider asks us to wait, read from its response headers. When several hints are present the
 * longest wins (the most restrictive limit is the one that binds).
 */

export type HeaderLookup = (name: string) => string | undefined

/** Epoch values above this are milliseconds, not seconds (2001-09-09 in ms; year 33658 in seconds). */
const epochMillisecondsThreshold = 1e12
/** Reset values above this are epoch seconds rather than a delta (a delta of 30 years is not a delta). */
const epochSecondsThreshold = 1e9

/**
 * The wait in milliseconds that the response asks for, or undefined when it names none.
 * @param now epoch milliseconds, for HTTP dates and epoch resets
 */
export function waitHintMs(header: HeaderLookup, now: number): number | undefined {
  const hints = [
    // RFC 9110 §10.2.3: delta-seconds or an HTTP-date. Sent by most APIs with 429 and 503.
    retryAfterMs(header('retry-after'), now),
    // GitHub and X (Twitter) send epoch seconds; some APIs send a delta; a few (Lemlist) send a date string.
    resetMs(header('x-ratelimit-reset'), now),
    // IETF draft-ietf-httpapi-ratelimit-headers: delta-seconds until the quota resets.
    deltaSecondsMs(header('ratelimit-reset')),
    // A delta in seconds, sent by some API gateways beside or instead of Retry-After.
    deltaSecondsMs(header('x-ratelimit-retry-after')),
  ].filter((hint): hint is number => hint !== undefined)
  return hints.length === 0 ? undefined : Math.max(...hints)
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
  return deltaSecondsMs(value) ?? dateMs(value, now)
}

function resetMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed)
    if (number >= epochMillisecondsThreshold) return Math.max(0, number - now)
    if (number >= epochSecondsThreshold) return Math.max(0, number * 1000 - now)
    return number * 1000
  }
  return dateMs(trimmed, now)
}

function deltaSecondsMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : undefined
}

function dateMs(value: string, now: number): number | undefined {
  // Only full dates: Date.parse accepts odd fragments ("1", "May") that are not HTTP dates.
  if (!/[a-z]{3}.*\d{4}.*\d{1,2}:\d{2}/i.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
