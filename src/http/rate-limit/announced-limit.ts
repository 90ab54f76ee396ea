/**
 * @module The limit a provider announces in its response headers, read into one shape the limiter can use at once.
 *
 * Forms read, the first present wins for the policy (a quota per window) and, separately, for the status (what is
 * left now and when it comes back); where a form names several limits, the most restrictive binds:
 * - IETF `RateLimit-Policy: "burst";q=100;w=10` with `RateLimit: "burst";r=50;t=30` (draft -08 on: lists of items with
 *   `q` quota, `w` window seconds, `r` remaining, `t` seconds to reset); draft -07's `RateLimit: limit=10,
 *   remaining=1, reset=7`; drafts up to -06, `RateLimit-Limit`/`-Remaining`/`-Reset` with `RateLimit-Policy: 10;w=1`.
 * - HubSpot: `X-HubSpot-RateLimit-Max` per `X-HubSpot-RateLimit-Interval-Milliseconds` with `-Remaining`, and
 *   `X-HubSpot-RateLimit-Secondly` with `-Secondly-Remaining` (the daily quota is left to its `remaining`).
 * - GitHub and most others: `X-RateLimit-Limit`/`-Remaining`/`-Reset` (`reset` in epoch seconds for GitHub, a delta
 *   for some). No window is stated, so these give a budget and a reset, not a pace.
 *
 * Malformed values are ignored, never thrown: a provider's typo must not fail a call that succeeded.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 * @see https://developers.hubspot.com/docs/api/usage-details
 * @see https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 */
import { type HeaderLookup, resetMs } from '../wait-hints.js'

export interface AnnouncedLimit {
  /** The sustained pace the provider allows (its quota over its window); undefined when no short window is named. */
  requestsPerSecond: number | undefined
  /** Requests that may start at once: the window's quota. */
  burst: number | undefined
  /** Requests left, as of this response. */
  remaining: number | undefined
  /** Milliseconds until what is left is restored, when the provider says. */
  resetMs: number | undefined
}

/**
 * Windows longer than this are quotas (per hour, per day), not a pace: a day's 1,000 calls may all go in its first
 * minute, so such a window acts only through its `remaining` and reset, never by spreading calls over the day.
 */
const longestPacedWindowMs = 60_000

interface Policy {
  quota: number
  windowMs: number
}

interface Status {
  remaining: number
  resetMs: number | undefined
}

/** The announced limit, or undefined when the response names none (most responses of most providers). */
export function readAnnouncedLimit(header: HeaderLookup, now: number): AnnouncedLimit | undefined {
  const policies = readPolicies(header)
  const status = readStatus(header, now)
  if (policies.length === 0 && status === undefined) return undefined
  let requestsPerSecond: number | undefined
  let burst: number | undefined
  for (const { quota, windowMs } of policies) {
    if (windowMs > longestPacedWindowMs) continue
    const rate = (quota * 1000) / windowMs
    requestsPerSecond = requestsPerSecond === undefined ? rate : Math.min(requestsPerSecond, rate)
    burst = burst === undefined ? quota : Math.min(burst, quota)
  }
  return { requestsPerSecond, burst, remaining: status?.remaining, resetMs: status?.resetMs }
}

function readPolicies(header: HeaderLookup): Policy[] {
  const ietf = header('ratelimit-policy')
  if (ietf !== undefined) {
    const policies: Policy[] = []
    for (const member of listMembers(ietf)) {
      // Draft -08 on: `"name";q=100;w=10`; up to -07: `100;w=10` (the quota is the item itself).
      const quota = member.params.get('q') ?? nonNegative(member.item)
      const windowSeconds = member.params.get('w')
      if (quota !== undefined && windowSeconds !== undefined && windowSeconds > 0) {
        policies.push({ quota, windowMs: windowSeconds * 1000 })
      }
    }
    if (policies.length > 0) return policies
  }
  const policies: Policy[] = []
  const hubspotMax = nonNegative(header('x-hubspot-ratelimit-max'))
  const hubspotInterval = nonNegative(header('x-hubspot-ratelimit-interval-milliseconds'))
  if (hubspotMax !== undefined && hubspotInterval !== undefined && hubspotInterval > 0) {
    policies.push({ quota: hubspotMax, windowMs: hubspotInterval })
  }
  const hubspotSecondly = nonNegative(header('x-hubspot-ratelimit-secondly'))
  if (hubspotSecondly !== undefined) policies.push({ quota: hubspotSecondly, windowMs: 1_000 })
  return policies
}

function readStatus(header: HeaderLookup, now: number): Status | undefined {
  const statuses: Status[] = []
  const ietf = header('ratelimit')
  if (ietf !== undefined) {
    for (const member of listMembers(ietf)) {
      // Draft -07 was a dictionary (`limit=10, remaining=1, reset=7`): each member then is one key.
      const remaining = member.params.get('r')
      if (remaining !== undefined) statuses.push({ remaining, resetMs: secondsMs(member.params.get('t')) })
    }
    const dictionary = new Map(listMembers(ietf).flatMap((member) => [...member.keyed]))
    const remaining = dictionary.get('remaining')
    if (remaining !== undefined) statuses.push({ remaining, resetMs: secondsMs(dictionary.get('reset')) })
  }
  for (const [remainingName, resetName] of [
    ['ratelimit-remaining', 'ratelimit-reset'],
    ['x-ratelimit-remaining', 'x-ratelimit-reset'],
    ['x-hubspot-ratelimit-remaining', undefined],
    ['x-hubspot-ratelimit-secondly-remaining', undefined],
  ] as const) {
    const remaining = nonNegative(header(remainingName))
    if (remaining === undefined) continue
    statuses.push({ remaining, resetMs: resetName === undefined ? undefined : resetMs(header(resetName), now) })
  }
  // The limit with the least left binds.
  let binding: Status | undefined
  for (const status of statuses) if (binding === undefined || status.remaining < binding.remaining) binding = status
  return binding
}

interface Member {
  /** The bare item before any parameter (`"name"` or `100`). */
  item: string
  /** Numeric parameters (`;q=100`). */
  params: Map<string, number>
  /** A dictionary member's own `key=value`, when the member is one (draft -07). */
  keyed: Map<string, number>
}

/**
 * The members of a structured-field list or dictionary (RFC 8941), read leniently: commas inside quoted strings are
 * kept, parameters that are not non-negative numbers are dropped.
 */
function listMembers(field: string): Member[] {
  const members: Member[] = []
  for (const raw of splitOutsideQuotes(field, ',')) {
    const [first = '', ...rest] = splitOutsideQuotes(raw, ';').map((part) => part.trim())
    const params = new Map<string, number>()
    for (const param of rest) {
      const [name, value] = keyValue(param)
      if (name !== undefined && value !== undefined) params.set(name, value)
    }
    const keyed = new Map<string, number>()
    const [name, value] = keyValue(first)
    if (name !== undefined && value !== undefined) keyed.set(name, value)
    members.push({ item: first, params, keyed })
  }
  return members
}

function keyValue(text: string): [string | undefined, number | undefined] {
  const equals = text.indexOf('=')
  if (equals === -1) return [undefined, undefined]
  return [text.slice(0, equals).trim().toLowerCase(), nonNegative(text.slice(equals + 1))]
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (char === '"' && text[index - 1] !== '\\') quoted = !quoted
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, index))
      start = index + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** A finite non-negative decimal, or undefined for anything else (`-1`, `1e999`, `ten`, an empty value). */
function nonNegative(value: string | undefined): number | undefined {
  const trimmed = value?.trim()
  if (trimmed === undefined || !/^\d{1,15}(\.\d{1,6})?$/.test(trimmed)) return undefined
  return Number(trimmed)
}

function secondsMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000
}
