/**
 * @module How a proxied call meets the response cache (docs/http-api.md, "Caching"): whether it uses the cache
 * (`Junction-Cache: on | off`, else the integration's `cache`), whether the caller's own headers keep the cache out
 * (its conditional headers, `no-store`) or ask for a revalidation (`no-cache`, `max-age=0`), and the answers made
 * from an entry.
 */
import { cacheDirectives, deltaSeconds } from '../cache/cache-control.js'
import { ageSeconds, type CachedResponse } from '../cache/cached-response.js'
import { JunctionError } from '../core/errors.js'
import type { CacheOutcome } from '../storage/api-logs-store.js'
import type { ProxyAnswer } from './proxy-answer.js'
import { type CallHeaders, callHeader } from './proxy-headers.js'

/** What the `Junction-Cache` answer header and the call log say of a call that used the cache. */
export type { CacheOutcome }

/**
 * Reads the call's `Junction-Cache` switch: `on` or `off` decides, else (absent) the integration's setting; any other
 * value throws `invalid_request`. One header read: all the cache costs a call that does not use it.
 */
export function readCacheSwitch(headers: CallHeaders, integrationCaches: boolean): boolean {
  const value = headers['junction-cache']
  if (value === undefined) return integrationCaches
  const text = (typeof value === 'string' ? value : value.join(',')).trim().toLowerCase()
  if (text === 'on') return true
  if (text === 'off') return false
  throw new JunctionError('invalid_request', 'Junction-Cache is on or off')
}

/** The caller's own headers that change how the cache is used. */
export interface CacheRequest {
  /** The caller revalidates itself or refuses storage: the call passes through, nothing read or stored. */
  bypass: boolean
  /** The caller asks for a revalidation: even a fresh entry is checked with the provider. */
  revalidate: boolean
}

const callerConditionals = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range']

export function cacheRequestOf(headers: CallHeaders): CacheRequest {
  const directives = cacheDirectives(callHeader(headers, 'cache-control'))
  const conditional = callerConditionals.some((name) => headers[name] !== undefined)
  return {
    bypass: conditional || directives.has('no-store'),
    revalidate: directives.has('no-cache') || deltaSeconds(directives, 'max-age') === 0,
  }
}

/** An answer from the cache: the stored status, headers and body, with its `Age` and Junction's own headers. */
export function cachedAnswer(
  entry: CachedResponse,
  outcome: Exclude<CacheOutcome, 'miss'>,
  requestId: string,
  attempts: number,
  now: number,
): ProxyAnswer {
  const headers: Record<string, string> = { ...entry.headers }
  if (outcome === 'hit') headers.age = String(ageSeconds(entry, now))
  headers['junction-request-id'] = requestId
  headers['junction-attempts'] = String(attempts)
  headers['junction-cache'] = outcome
  return { status: entry.status, headers, body: entry.body }
}
