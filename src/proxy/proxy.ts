/**
 * @module The proxy: a call to a provider's API made as one of the app's users (or as the app, for app-level
 * integrations), with that connection's credentials, its rate limit, retries by the idempotency rules, one forced
 * refresh on an unexpected 401, a call-log row, and for GETs that ask for it, the response cache. The rules are in
 * docs/http-api.md, "Proxy rules" and "Caching".
 */
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Redis } from 'ioredis'
import { copiedWhilePassing } from '../cache/body-copy.js'
import { appCacheScope, cacheKey } from '../cache/cache-key.js'
import { entryTtlMs } from '../cache/cache-store.js'
import {
  type CachedResponse,
  isFresh,
  newEntry,
  revalidated,
  revalidationHeaders,
  storagePlan,
  variantMatches,
} from '../cache/cached-response.js'
import type { ResponseCache } from '../cache/response-cache.js'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { type AppCredentials, isAppLevel } from '../connections/app-credentials.js'
import type { ConnectionService } from '../connections/connections.js'
import { isJunctionError, JunctionError } from '../core/errors.js'
import { isUserId } from '../core/ids.js'
import { redactText } from '../core/redact.js'
import type { CircuitBreakerOptions, CircuitState } from '../http/circuit-breaker.js'
import { createHttpClient, type HttpClient } from '../http/client.js'
import type { EgressPolicy } from '../http/egress.js'
import { isHttpError } from '../http/http-error.js'
import { createRateLimiter } from '../http/rate-limit/rate-limiter.js'
import { buildRequestUrl } from '../http/request-url.js'
import type { CallLogWriter } from '../logs/call-log-writer.js'
import { loggedPath } from '../logs/logged-path.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../storage/database-errors.js'
import { applyCredential, authPlacement, type UsableCredential } from './apply-credentials.js'
import { type CallNotes, callDetails, createAttemptLog } from './call-details.js'
import { type EchoForms, echoFormsOf, scrubBytes, scrubText } from './echo-scrubber.js'
import { createMethodRateLimits, type MethodRateLimits } from './method-rate-limits.js'
import { providerBaseUrl } from './provider-base-url.js'
import { errorAnswer, type ProxyAnswer } from './proxy-answer.js'
import { type CacheOutcome, cachedAnswer, cacheRequestOf, readCacheSwitch } from './proxy-cache.js'
import { type CallHeaders, callHeader, headersForCaller, headersForProvider } from './proxy-headers.js'
import { withoutParameter } from './raw-query.js'

export interface ProxyCall {
  integration: string
  /** The path after `/v1/proxy/:integration`, percent-encoded as it came. */
  path: string
  /** The query, with its `?`, as it came. */
  search: string
  method: string
  /** Lower-case names (Node's `IncomingMessage.headers`, or `headersOfRequest`). */
  headers: CallHeaders
  /** When the call arrived (`performance.now()`), if its body was read first: the budget counts from there. */
  receivedAt?: number | undefined
  /** Aborts the call when the caller goes away. */
  signal?: AbortSignal | undefined
  /** Bytes (a body of at most 1 MiB, which can be sent again), or a stream, sent once. */
  body: Uint8Array | Readable | undefined
}

export interface ProxyOptions {
  egress: EgressPolicy
  /** @default 60_000 */
  defaultBudgetMs?: number
  /** @default 10 MiB */
  maxResponseBytes?: number
  /**
   * Per connection (or per integration, for app-level ones and shared limits).
   * @default at least 10 failed calls, half of those ended in the last 10 s; then 30 s open
   */
  circuitBreaker?: CircuitBreakerOptions
  /** Rate limits shared with every instance on this Redis (created with `enableOfflineQueue: false`). */
  redis?: Redis | undefined
  /** The response cache (built once by the composition root); without it, no call is cached. */
  cache?: ResponseCache | undefined
}

const maxBudgetMs = 300_000

export interface ApiProxy {
  /**
   * Makes the call and describes the answer (the provider's, or Junction's own error); throws only what is not a
   * JunctionError (a bug), for the server's error handler.
   */
  forward(call: ProxyCall): Promise<ProxyAnswer>
  /** The call's budget in milliseconds (`Junction-Timeout-Ms`, else the default); throws `invalid_request`. */
  budgetMs(headers: CallHeaders): number
  /** Each integration's worst circuit state, for health reports (integrations not yet called are absent). */
  circuits(): Map<string, CircuitState>
  close(): Promise<void>
}

/** What the proxy uses of the hub's services: credentials, the integrations and the call log. */
export interface ProxyServices {
  readonly integrations: ReadonlyMap<string, ResolvedIntegration>
  readonly connections: Pick<ConnectionService, 'credentialsForUse'>
  readonly appCredentials: Pick<AppCredentials, 'get'>
  readonly callLog: Pick<CallLogWriter, 'record'>
}

export interface ProxyDeps {
  services: ProxyServices
  options: ProxyOptions
}

export function createProxy(deps: ProxyDeps): ApiProxy {
  const clients = new Map<string, HttpClient>()
  const methodLimits = new Map<string, MethodRateLimits>()

  const methodLimitsFor = (integration: ResolvedIntegration): MethodRateLimits => {
    let limits = methodLimits.get(integration.id)
    if (limits === undefined) {
      limits = createMethodRateLimits(integration.definition, deps.options.redis)
      methodLimits.set(integration.id, limits)
    }
    return limits
  }

  const clientFor = (integration: ResolvedIntegration): HttpClient => {
    let client = clients.get(integration.id)
    if (client === undefined) {
      const { rateLimit, idempotency } = integration.definition
      client = createHttpClient({
        egress: deps.options.egress,
        maxResponseBytes: deps.options.maxResponseBytes ?? 10 * 1024 * 1024,
        // With Redis, every instance draws on one budget per connection (or integration).
        rateLimit: {
          limiter: createRateLimiter({ ...rateLimit, redis: deps.options.redis }),
          key: integration.id,
        },
        circuitBreaker: deps.options.circuitBreaker ?? {},
        ...(idempotency === undefined ? {} : { idempotency }),
      })
      clients.set(integration.id, client)
    }
    return client
  }

  async function credentialFor(integration: ResolvedIntegration, userId: string | undefined, force: boolean) {
    if (isAppLevel(integration)) {
      const credential = await deps.services.appCredentials.get(integration)
      const usable: UsableCredential =
        credential.kind === 'api_key'
          ? { kind: 'api_key', apiKey: credential.apiKey }
          : { kind: 'oauth2', accessToken: credential.accessToken }
      return { usable, metadata: {}, rateKey: integration.id, connectionId: undefined }
    }
    if (userId === undefined)
      throw new JunctionError('missing_user_id', `calls to ${integration.id} name a user with Junction-User-Id`)
    if (!isUserId(userId)) throw new JunctionError('invalid_request', 'Junction-User-Id is not a valid user id')
    const { credentials, metadata, connectionId } = await deps.services.connections.credentialsForUse(
      integration.id,
      userId,
      force,
    )
    const usable: UsableCredential =
      credentials.kind === 'oauth2' ? { kind: 'oauth2', accessToken: credentials.accessToken } : credentials
    const perConnection = (integration.definition.rateLimit?.per ?? 'connection') === 'connection'
    return {
      usable,
      metadata,
      rateKey: perConnection ? `${integration.id}:${userId}` : integration.id,
      connectionId,
    }
  }

  type Credential = Awaited<ReturnType<typeof credentialFor>>

  /** The provider's URL for the call, before the credential is applied to it. */
  function upstreamUrl(call: ProxyCall, integration: ResolvedIntegration, metadata: Record<string, unknown>): URL {
    const placement = authPlacement(integration.definition.auth)
    const base = providerBaseUrl(integration.definition.api, metadata)
    // The caller may not set the parameter the provider's auth style uses: Junction sets it.
    const search = placement.query === undefined ? call.search : withoutParameter(call.search, placement.query)
    return buildRequestUrl(base, `${call.path === '' ? '/' : call.path}${search}`)
  }

  /**
   * What the cache holds for a call: its key, the credential read to make it, the provider's URL and headers as the
   * call is sent (built once, for the key, the `Vary` values and the call itself), and the entry if one matches.
   */
  interface CacheLookup {
    key: string
    credential: Credential
    /** The provider's URL, before the credential is applied to it. */
    url: string
    /**
     * The headers sent to the provider, before the credential is applied: never the caller's `Authorization`
     * (its Junction key) or cookies, nor the provider's auth header. `Vary` values are read from these alone.
     */
    sentHeaders: Readonly<Record<string, string>>
    entry: CachedResponse | undefined
    /** The entry answers the call as it is (fresh, and the caller did not ask for a revalidation). */
    fresh: boolean
  }

  /** The cache's entry for a GET, unless the caller keeps the cache out (its own conditional headers, `no-store`). */
  async function lookUp(
    call: ProxyCall,
    integration: ResolvedIntegration,
    userId: string | undefined,
    cache: ResponseCache,
  ): Promise<CacheLookup | undefined> {
    const request = cacheRequestOf(call.headers)
    if (request.bypass) return undefined
    const credential = await credentialFor(integration, userId, false)
    const url = upstreamUrl(call, integration, credential.metadata).toString()
    const sentHeaders = headersForProvider(call.headers, authPlacement(integration.definition.auth).header)
    // An app-level integration's entries are keyed by its credential's fingerprint: a changed key starts afresh.
    const connection = credential.connectionId ?? appCacheScope(appCredentialIdentity(integration, credential.usable))
    const key = cacheKey({ integration: integration.id, connection, method: call.method, url })
    const found = await cache.store.get(key)
    const entry = found !== undefined && variantMatches(found, (name) => sentHeaders[name]) ? found : undefined
    const fresh = entry !== undefined && !request.revalidate && isFresh(entry, Date.now())
    return { key, credential, url, sentHeaders, entry, fresh }
  }

  /** What one proxied call has spent so far, for its answer's headers and its call-log row. */
  interface Tally {
    attempts: number
    rateLimitWaitMs: number
    /** The credential sent, once known: an error answer is scrubbed of its echoes. */
    credential: UsableCredential | undefined
    /** What the call-log row keeps of a failed or retried call (headers, error body, attempts). */
    notes: CallNotes
  }

  /** One call to the provider, with the connection's credential (refreshed first when `force`). */
  async function send(
    call: ProxyCall,
    integration: ResolvedIntegration,
    userId: string | undefined,
    options: {
      force: boolean
      budgetMs: number
      retries: boolean
      tally: Tally
      /** The cache's lookup: its credential, URL and headers are the call's (never for a forced refresh). */
      prepared?: CacheLookup | undefined
      /** A revalidation's `If-None-Match` / `If-Modified-Since`. */
      conditional?: Record<string, string> | undefined
    },
  ) {
    const { prepared } = options
    const { usable, metadata, rateKey } =
      prepared?.credential ?? (await credentialFor(integration, userId, options.force))
    const placement = authPlacement(integration.definition.auth)
    const url = prepared === undefined ? upstreamUrl(call, integration, metadata) : new URL(prepared.url)
    const headers =
      prepared === undefined ? headersForProvider(call.headers, placement.header) : { ...prepared.sentHeaders }
    if (options.conditional !== undefined) Object.assign(headers, options.conditional)
    // A streamed body keeps its declared length: many APIs refuse a chunked upload (411).
    const declared = callHeader(call.headers, 'content-length')
    if (call.body instanceof Readable && declared !== undefined && /^\d+$/.test(declared))
      headers['content-length'] = declared
    applyCredential(integration.definition.auth, usable, url, headers)
    options.tally.credential = usable
    options.tally.notes.sent = { headers, authHeader: placement.header }
    // A method with a limit of its own (Slack's tiers) waits for that one instead of the provider's.
    const methodLimit = methodLimitsFor(integration).forCall(
      call.path === '' ? '/' : call.path,
      integration.id,
      isAppLevel(integration) ? undefined : userId,
    )
    return clientFor(integration).request<Uint8Array>({
      method: call.method,
      path: url.toString(),
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      raw: true,
      stream: true,
      deadlineMs: options.budgetMs,
      // One attempt may use the whole budget (a slow answer, a long download): the budget is the caller's to set.
      timeoutMs: options.budgetMs,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
      rateLimitKey: rateKey,
      ...(methodLimit === undefined ? {} : { rateLimit: methodLimit }),
      ...(options.retries ? {} : { retry: false as const }),
      onAttempt: (event) => {
        options.tally.attempts += 1
        options.tally.rateLimitWaitMs += event.rateLimitWaitMs
        options.tally.notes.attemptLog.record(event)
      },
    })
  }

  const defaultBudgetMs = deps.options.defaultBudgetMs ?? 60_000

  async function forward(call: ProxyCall): Promise<ProxyAnswer> {
    const requestId = randomUUID()
    const started = call.receivedAt ?? performance.now()
    const integration = deps.services.integrations.get(call.integration)
    const userId = callHeader(call.headers, 'junction-user-id')
    const tally: Tally = {
      attempts: 0,
      rateLimitWaitMs: 0,
      credential: undefined,
      notes: { attemptLog: createAttemptLog(started) },
    }
    // Only answers that are not a success are scrubbed (an error, or a redirect, which is never followed and whose
    // Location can repeat a query-string key): success bodies and headers are the app's own data, at no cost. A
    // success the cache keeps has its headers scrubbed too (updateEntryFrom): a store never holds an echo.
    const echoForms = () => (tally.credential === undefined ? [] : echoFormsOf(tally.credential))
    let status: number | null = null
    let errorCode: string | null = null
    /** Set once the call uses the cache: the answer's `Junction-Cache` and the call log's `cache`. */
    let cacheOutcome: CacheOutcome | undefined
    let lookup: CacheLookup | undefined
    const cache = deps.options.cache
    const answer = (upstream: {
      status: number
      headers: Record<string, string>
      data: Uint8Array | undefined
      stream?: ReadableStream<Uint8Array> | undefined
    }): ProxyAnswer => {
      status = upstream.status
      const forms = upstream.status >= 300 ? echoForms() : []
      const headers = headersForCaller(upstream.headers, forms)
      // The call log keeps the headers the provider answered with (docs/dashboard.md), not those Junction adds.
      const fromProvider = { ...headers }
      headers['junction-request-id'] = requestId
      headers['junction-attempts'] = String(tally.attempts)
      // The cache was read and the provider answered: a miss (docs/http-api.md, "Caching").
      if (lookup !== undefined) {
        cacheOutcome = 'miss'
        headers['junction-cache'] = 'miss'
      }
      const empty = upstream.status === 204 || upstream.status === 304 || upstream.status === 205
      if (empty) {
        upstream.stream?.cancel().catch(() => undefined)
        return { status: upstream.status, headers, body: undefined }
      }
      // Success bodies stream through (past the size cap the stream fails, and the caller's connection closes), but
      // for one declaring at most 16 KiB, read whole by the client. Error bodies are read whole: they are what gets
      // logged, and where echoes turn up.
      const body =
        upstream.stream ??
        (upstream.status >= 300
          ? scrubBytes(upstream.data ?? new Uint8Array(), forms)
          : (upstream.data ?? new Uint8Array()))
      // A success body streams through as the provider sent it: its declared length holds (no chunked framing).
      const declared = upstream.stream === undefined ? undefined : upstream.headers['content-length']
      if (declared !== undefined && /^\d+$/.test(declared)) headers['content-length'] = declared
      tally.notes.answered = {
        headers: fromProvider,
        body: upstream.status >= 400 && body instanceof Uint8Array ? body : undefined,
      }
      const result: ProxyAnswer = { status: upstream.status, headers, body }
      if (lookup !== undefined && cache !== undefined) updateEntryFrom(cache, lookup, upstream, result, echoForms)
      return result
    }
    try {
      if (integration === undefined)
        throw new JunctionError('integration_not_found', `no integration is named ${call.integration}`)
      // One budget for the whole call, the refresh-and-retry included.
      const deadline = started + budgetOf(call.headers, defaultBudgetMs)
      // A streamed body is sent once: no retry, and no refresh-and-retry either.
      const retries = callHeader(call.headers, 'junction-retries') !== '0' && !(call.body instanceof Readable)
      // GETs only, and only when asked for (the header, else the integration's setting).
      if (cache !== undefined && readCacheSwitch(call.headers, integration.cache === true)) {
        if (call.method === 'GET' && call.body === undefined) {
          lookup = await lookUp(call, integration, userId, cache)
          if (lookup?.entry !== undefined && lookup.fresh) {
            cacheOutcome = 'hit'
            status = lookup.entry.status
            return cachedAnswer(lookup.entry, 'hit', requestId, 0, Date.now())
          }
        }
      }
      const conditional = lookup?.entry === undefined ? undefined : revalidationHeaders(lookup.entry)
      const sendOnce = (force: boolean) =>
        send(call, integration, userId, {
          force,
          budgetMs: Math.max(1, deadline - performance.now()),
          retries,
          tally,
          prepared: force ? undefined : lookup,
          conditional,
        })
      try {
        return answer(await sendOnce(false))
      } catch (error) {
        // A 401 for a token Junction believed valid: refresh once, try once more, never again.
        const oauthConnection = !isAppLevel(integration) && integration.definition.auth.type === 'oauth2'
        if (!(isHttpError(error) && error.status === 401 && oauthConnection && retries)) throw error
        return answer(await sendOnce(true))
      }
    } catch (thrown) {
      // A body not sent (the call failed first) is let go, so that the caller's connection is not held.
      if (call.body instanceof Readable && !call.body.destroyed) call.body.destroy()
      // A connection that cannot be read while the database is away is Junction's own failure: answered and logged
      // as `unavailable` (with its Junction-Error and request id), not as a provider's 503 or a server bug.
      const error = isDatabaseUnavailable(thrown) ? databaseUnavailable(thrown) : thrown
      // The provider's 304 to a revalidation: the kept answer, renewed, is the caller's 200.
      if (isHttpError(error) && error.status === 304 && cache !== undefined && lookup?.entry !== undefined) {
        const renewed = revalidated(lookup.entry, headersForCaller(error.headers, echoForms()), Date.now())
        void renewUnlessReplaced(cache, lookup.key, lookup.entry, renewed)
        cacheOutcome = 'revalidated'
        status = renewed.status
        return cachedAnswer(renewed, 'revalidated', requestId, tally.attempts, Date.now())
      }
      if (isHttpError(error)) {
        return answer({
          status: error.status,
          headers: error.headers,
          data: error.data instanceof Uint8Array ? error.data : new Uint8Array(),
        })
      }
      if (!isJunctionError(error)) {
        // Logged and answered by the app's error handler (a database outage there is a 503).
        errorCode = 'internal_error'
        throw error
      }
      errorCode = error.code
      const headers = {
        'junction-error': error.code,
        'junction-request-id': requestId,
        'junction-attempts': String(tally.attempts),
      }
      tally.notes.errorText = scrubText(redactText(error.message), echoForms())
      const failed = errorAnswer(error, headers, tally.notes.errorText)
      status = failed.status
      return failed
    } finally {
      if (integration !== undefined) {
        deps.services.callLog.record({
          requestId,
          userId: userId !== undefined && isUserId(userId) ? userId : null,
          integration: integration.id,
          provider: integration.provider,
          endpoint: loggedPath(call.path, call.search),
          method: call.method,
          statusCode: status,
          responseTimeMs: performance.now() - started,
          errorMessage: errorCode,
          attempts: tally.attempts,
          rateLimitWaitMs: tally.rateLimitWaitMs,
          cache: cacheOutcome ?? null,
          details: detailsOrNone(() => callDetails(tally.notes, status, echoForms)),
        })
      }
    }
  }

  return {
    forward,
    budgetMs: (headers) => budgetOf(headers, defaultBudgetMs),
    circuits: () => {
      const states = new Map<string, CircuitState>()
      for (const [integration, client] of clients) {
        const seen = Object.values(client.circuitBreaker?.snapshot() ?? {})
        states.set(integration, seen.includes('open') ? 'open' : seen.includes('half_open') ? 'half_open' : 'closed')
      }
      return states
    },
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()))
    },
  }
}

/** Statuses that drop the kept entry: the resource is gone (404, 410), or the credential no longer reaches it. */
const droppingStatuses = new Set([401, 403, 404, 410])

/**
 * Updates the cache from the provider's answer to a GET that used it: a 200 it may keep is copied as it streams to
 * the caller and kept once whole, its headers scrubbed of the credential's echoes (the caller's answer too, so that a
 * hit answers as the miss did); a 200 it may not keep, a 401, 403, 404 or 410 drops the entry (a key revoked at
 * the provider is not served on); any other answer leaves it.
 */
function updateEntryFrom(
  cache: ResponseCache,
  lookup: { key: string; entry: CachedResponse | undefined; sentHeaders: Readonly<Record<string, string>> },
  upstream: { status: number; headers: Record<string, string> },
  result: ProxyAnswer,
  echoForms: () => EchoForms,
): void {
  const { key } = lookup
  // A new 200 replaces what was kept, even when it cannot be kept itself (too large, say).
  if ((upstream.status === 200 && lookup.entry !== undefined) || droppingStatuses.has(upstream.status))
    cache.store.delete(key)
  const plan = storagePlan(upstream.status, upstream.headers, cache.maxEntryBytes, Date.now())
  if (plan === undefined) return
  const forms = echoForms()
  const headers = headersForCaller(upstream.headers, forms)
  if (forms.length > 0) for (const name in headers) result.headers[name] = headers[name]!
  const keep = (body: Uint8Array) => {
    const entry = newEntry(
      { status: upstream.status, headers, body },
      plan,
      // The values the provider was sent (never the caller's Junction key, cookies or the credential).
      (name) => lookup.sentHeaders[name],
      Date.now(),
    )
    cache.store.set(key, entry, entryTtlMs(entry, cache))
  }
  if (result.body instanceof ReadableStream) result.body = copiedWhilePassing(result.body, cache.maxEntryBytes, keep)
  else if (result.body !== undefined && result.body.byteLength <= cache.maxEntryBytes) keep(result.body)
}

/** What identifies an app-level integration's credential for the cache's key: its API key, else its client id. */
function appCredentialIdentity(integration: ResolvedIntegration, credential: UsableCredential): string {
  if (credential.kind === 'api_key') return credential.apiKey
  return `client:${integration.clientId ?? integration.id}`
}

/**
 * Keeps the entry a 304 renewed, unless the store's entry changed meanwhile (a concurrent 200 replaced it, or it was
 * dropped): a late 304 never puts back an older body. The caller's answer does not wait for it.
 */
async function renewUnlessReplaced(
  cache: ResponseCache,
  key: string,
  revalidatedEntry: CachedResponse,
  renewed: CachedResponse,
): Promise<void> {
  const current = await cache.store.get(key)
  if (current === undefined) return
  if (current.headers.etag !== revalidatedEntry.headers.etag) return
  if (current.headers['last-modified'] !== revalidatedEntry.headers['last-modified']) return
  cache.store.set(key, renewed, entryTtlMs(renewed, cache))
}

function budgetOf(headers: CallHeaders, fallback: number): number {
  const text = callHeader(headers, 'junction-timeout-ms')
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d{1,6}$/.test(text) || value < 1 || value > maxBudgetMs) {
    throw new JunctionError(
      'invalid_request',
      `Junction-Timeout-Ms is a number of milliseconds from 1 to ${maxBudgetMs}`,
    )
  }
  return value
}

/**
 * A call's details, or none when they cannot be made (a provider's error body nested past the stack's depth, say):
 * the caller's answer and the call-log row never depend on them.
 */
function detailsOrNone<T>(make: () => T): T | undefined {
  try {
    return make()
  } catch {
    return undefined
  }
}
