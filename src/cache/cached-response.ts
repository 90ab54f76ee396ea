/**
 * @module What the response cache keeps of a provider's answer, and the rules of RFC 9111 for a private cache that
 * decide whether an answer is kept, how long it is fresh, and what a 304 changes of it (docs/http-api.md, "Caching").
 * @see RFC 9111 §3 (storing), §4.2 (freshness), §4.3.4 (updating on a 304)
 */
import { cacheDirectives, deltaSeconds } from './cache-control.js'

export interface CachedResponse {
  status: number
  /** The headers as the caller gets them (lower-case names, no `Junction-*`, no `Set-Cookie`, no length). */
  headers: Record<string, string>
  body: Uint8Array
  /** When the answer arrived, or was last revalidated (epoch ms). */
  storedAt: number
  /** The age the answer had when it arrived (its `Age`), in seconds. */
  initialAgeSeconds: number
  /** How long it is fresh from `storedAt`, minus its initial age (0: revalidated on every use). */
  freshnessMs: number
  /**
   * The request headers the answer varies on (`Vary`), with the values the provider was sent for them by the call
   * that stored it (null: none). Never the caller's own credentials: Junction does not send them on.
   */
  vary: ReadonlyArray<readonly [string, string | null]>
}

/** Where an answer may be kept: its freshness and the request headers it varies on; undefined when it may not. */
export interface StoragePlan {
  freshnessMs: number
  varyNames: readonly string[]
}

/**
 * Whether an answer may be kept: a 200 without `no-store`, not `Vary: *`, within `maxEntryBytes` when it declares
 * its length, with a validator (`ETag`, `Last-Modified`) or an explicit freshness (`max-age`, else `Expires` −
 * `Date`). Without an explicit freshness, or with `no-cache`, it is fresh for 0 s: revalidated on every use.
 */
export function storagePlan(
  status: number,
  headers: Readonly<Record<string, string>>,
  maxEntryBytes: number,
  now: number,
): StoragePlan | undefined {
  if (status !== 200) return undefined
  const directives = cacheDirectives(headers['cache-control'])
  if (directives.has('no-store')) return undefined
  const varyNames = varyNamesOf(headers.vary)
  if (varyNames.includes('*')) return undefined
  const declared = headers['content-length']
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxEntryBytes) return undefined
  const explicit = explicitFreshnessMs(headers, directives, now)
  const validated = hasValidator(headers)
  if (explicit === undefined && !validated) return undefined
  const freshnessMs = directives.has('no-cache') ? 0 : (explicit ?? 0)
  if (freshnessMs <= 0 && !validated) return undefined
  return { freshnessMs, varyNames }
}

export function hasValidator(headers: Readonly<Record<string, string>>): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined
}

/** The answer's age now, in whole seconds (its initial age plus the time it has been kept). */
export function ageSeconds(entry: CachedResponse, now: number): number {
  return entry.initialAgeSeconds + Math.max(0, Math.floor((now - entry.storedAt) / 1000))
}

export function isFresh(entry: CachedResponse, now: number): boolean {
  return now - entry.storedAt + entry.initialAgeSeconds * 1000 < entry.freshnessMs
}

/** The conditional headers that revalidate the entry (`If-None-Match`, `If-Modified-Since`); empty without a validator. */
export function revalidationHeaders(entry: CachedResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  if (entry.headers.etag !== undefined) headers['if-none-match'] = entry.headers.etag
  if (entry.headers['last-modified'] !== undefined) headers['if-modified-since'] = entry.headers['last-modified']
  return headers
}

/** The headers a 304 updates in the stored answer (RFC 9111 §4.3.4, the ones a cache must honour). */
const updatedBy304 = ['cache-control', 'expires', 'etag', 'date', 'last-modified'] as const

/** The entry after a 304: its headers updated by the 304's, its freshness renewed from now. */
export function revalidated(
  entry: CachedResponse,
  notModified: Readonly<Record<string, string>>,
  now: number,
): CachedResponse {
  const headers = { ...entry.headers }
  for (const name of updatedBy304) if (notModified[name] !== undefined) headers[name] = notModified[name]
  const directives = cacheDirectives(headers['cache-control'])
  const freshnessMs = directives.has('no-cache') ? 0 : (explicitFreshnessMs(headers, directives, now) ?? 0)
  return { ...entry, headers, storedAt: now, initialAgeSeconds: ageOf(notModified), freshnessMs }
}

/** A new entry for an answer `storagePlan` allowed, with the values sent to the provider for the headers it varies on. */
export function newEntry(
  answer: { status: number; headers: Record<string, string>; body: Uint8Array },
  plan: StoragePlan,
  requestHeader: (name: string) => string | undefined,
  now: number,
): CachedResponse {
  // The age is kept apart: a hit answers the age it has then.
  const { age: _, ...headers } = answer.headers
  return {
    status: answer.status,
    headers,
    body: answer.body,
    storedAt: now,
    initialAgeSeconds: ageOf(answer.headers),
    freshnessMs: plan.freshnessMs,
    vary: plan.varyNames.map((name) => [name, requestHeader(name) ?? null] as const),
  }
}

/** Whether the call asks for the same variant as the stored answer (its `Vary` headers sent with the same values). */
export function variantMatches(entry: CachedResponse, requestHeader: (name: string) => string | undefined): boolean {
  return entry.vary.every(([name, value]) => (requestHeader(name) ?? null) === value)
}

/** `max-age`, else `Expires` − `Date` (an invalid `Expires` is already stale); undefined when neither is given. */
function explicitFreshnessMs(
  headers: Readonly<Record<string, string>>,
  directives: ReadonlyMap<string, string>,
  now: number,
): number | undefined {
  const maxAge = deltaSeconds(directives, 'max-age')
  if (maxAge !== undefined) return maxAge * 1000
  if (directives.has('max-age')) return 0
  const expires = headers.expires
  if (expires === undefined) return undefined
  const expiresAt = Date.parse(expires)
  if (Number.isNaN(expiresAt)) return 0
  const dated = headers.date === undefined ? Number.NaN : Date.parse(headers.date)
  return Math.max(0, expiresAt - (Number.isNaN(dated) ? now : dated))
}

function ageOf(headers: Readonly<Record<string, string>>): number {
  const age = headers.age
  return age !== undefined && /^\d+$/.test(age) ? Number(age) : 0
}

function varyNamesOf(vary: string | undefined): string[] {
  if (vary === undefined) return []
  return vary
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}
