/**
 * @module The resilient HTTP client (`junction/http`): timeouts per attempt and per call, retries by the pure
 * {@link decideRetry}, a rate limiter that queues instead of failing, a circuit breaker, a response size cap, and
 * the egress rules. It writes no logs: it emits events.
 */
import type { Readable } from 'node:stream'
import { isJunctionError, JunctionError } from '../core/errors.js'
import { type AttemptResult, runAttempt } from './attempt.js'
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitPass,
  createCircuitBreaker,
} from './circuit-breaker.js'
import { assertUrlAllowed, type EgressPolicy } from './egress.js'
import { HttpError } from './http-error.js'
import { createRateLimiter, type Permit, type RateLimiter, type RateLimitOptions } from './rate-limit/rate-limiter.js'
import { buildRequestUrl, describeRequest, type QueryValue, safeForMessage } from './request-url.js'
import {
  type AttemptOutcome,
  decideRetry,
  defaultRetryPolicy,
  type RetryDecision,
  type RetryPolicy,
  type RetryReason,
} from './retry-decision.js'
import { abortedError, sleep } from './sleep.js'
import { createUndiciTransport, type Transport } from './transport.js'

export interface HttpClientEvents {
  /** After every attempt, successful or not. */
  onAttempt?(event: AttemptEvent): void
  /** Before sleeping ahead of another attempt. */
  onRetry?(event: { method: string; url: string; attempt: number; delayMs: number; reason: RetryReason }): void
  /** When the call ends in an error. */
  onGiveUp?(event: {
    method: string
    url: string
    attempts: number
    reason: RetryReason | 'error'
    error: JunctionError
  }): void
}

export interface AttemptEvent {
  method: string
  /** Origin and path, no query. */
  url: string
  attempt: number
  status: number | undefined
  /** Junction error code when the attempt failed without a response. */
  error: string | undefined
  durationMs: number
  rateLimitWaitMs: number
}

export interface HttpClientOptions {
  baseUrl?: string
  /** Sent with every request (a request's own headers win). */
  headers?: Record<string, string>
  /** Per attempt, headers and body. @default 30_000 */
  timeoutMs?: number
  /** Whole call, retries and waits included. @default 60_000 */
  deadlineMs?: number
  /** @default { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 30_000 } */
  retry?: Partial<RetryPolicy> | false
  /** Client-side rate limiting; `key` defaults to the base URL's origin. */
  rateLimit?: (RateLimitOptions & { key?: string }) | { limiter: RateLimiter; key: string }
  /** Fail fast while most calls to a key fail (counted after their retries). Off unless given. */
  circuitBreaker?: CircuitBreakerOptions
  /** POST and PATCH carrying this header may be retried (the provider deduplicates them). */
  idempotency?: { header: string }
  /** @default 10 MiB */
  maxResponseBytes?: number
  /** @default { allowHttp: false, allowPrivateNetworks: false } */
  egress?: EgressPolicy
  /** Replaces the undici transport (tests, embedding). */
  transport?: Transport
  events?: HttpClientEvents
  /** @default Math.random */
  random?: () => number
}

export interface HttpRequest {
  /** @default 'GET' */
  method?: string
  /** A path under `baseUrl`, or an absolute URL. */
  path: string
  query?: Record<string, QueryValue>
  headers?: Record<string, string>
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown
  /**
   * A stream is sent as it is read, once: a call with a stream body is never retried. Anything else (an object, say)
   * is refused with `invalid_request` before anything is sent.
   */
  body?: string | Uint8Array | Readable
  signal?: AbortSignal
  timeoutMs?: number
  deadlineMs?: number
  /** The key of this call's rate limit and circuit, instead of the client's (per connection, say). */
  rateLimitKey?: string
  /**
   * This call's own rate limit, instead of the client's (an API method with a limit of its own, say); its circuit is
   * still the one of `rateLimitKey`, so that a provider's outage opens one circuit, not one per method.
   */
  rateLimit?: { limiter: RateLimiter; key: string }
  /** Turns retries off for this call. */
  retry?: false
  /** The body as bytes, whatever its content type (a proxy passes it on as it came). */
  raw?: boolean
  /**
   * A 2xx body is not read: the answer's `stream` carries it, and the caller must read it to the end or cancel it.
   * Other answers are read as usual, and so is a 2xx body that declares at most 16 KiB (into `data`, no `stream`).
   */
  stream?: boolean
  /** After every attempt of this call (as the client's `onAttempt`, for one call). */
  onAttempt?(event: AttemptEvent): void
}

export interface HttpResponse<T = unknown> {
  status: number
  headers: Record<string, string>
  data: T
  attempts: number
  /** The unread body, when the request asked to stream (and the body did not declare 16 KiB or less). */
  stream?: ReadableStream<Uint8Array>
}

export type RequestShorthand = <T = unknown>(
  path: string,
  options?: Omit<HttpRequest, 'method' | 'path'>,
) => Promise<HttpResponse<T>>

export interface HttpClient {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>
  get: RequestShorthand
  post: RequestShorthand
  put: RequestShorthand
  patch: RequestShorthand
  delete: RequestShorthand
  /** The circuit breaker, for health reporting (undefined when off). */
  readonly circuitBreaker: CircuitBreaker | undefined
  /** Closes pooled connections (only those of the client's own transport). */
  close(): Promise<void>
}

const defaultMaxResponseBytes = 10 * 1024 * 1024
/** An attempt needs at least this much of the deadline left; with less, the call ends in `timeout` instead. */
const minAttemptMs = 10
/** Without retries, decisions still run (for the 429's wait hint), with a single attempt allowed. */
const noRetries: RetryPolicy = { ...defaultRetryPolicy, maxAttempts: 1 }

interface PreparedRequest {
  method: string
  url: URL
  /** `METHOD origin/path`, for messages and events: never the query. */
  described: string
  /** The call's circuit, and its rate limit's key unless it has a limit of its own. */
  key: string
  limiter: RateLimiter | undefined
  limiterKey: string
  headers: Record<string, string>
  body: string | Uint8Array | Readable | undefined
  idempotencyKeySent: boolean
  timeoutMs: number
  deadline: number
  signal: AbortSignal | undefined
  /** The current attempt's bound: `timeoutMs`, or less when the deadline is nearer. */
  attemptTimeoutMs: number
  policy: RetryPolicy
  raw: boolean
  stream: boolean
  onAttempt: ((event: AttemptEvent) => void) | undefined
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const baseUrl = options.baseUrl === undefined ? undefined : new URL(options.baseUrl)
  const egress = options.egress ?? { allowHttp: false, allowPrivateNetworks: false }
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  const owned = options.transport === undefined ? createUndiciTransport({ egress, maxResponseBytes }) : undefined
  const transport: Transport = options.transport ?? owned!.transport
  /** The client's own undici transport ends every attempt by its deadline and its caller's abort by itself. */
  const boundsItself = owned !== undefined
  const policy = options.retry === false ? noRetries : { ...defaultRetryPolicy, ...options.retry }
  const limiter = limiterFrom(options.rateLimit)
  const breaker = options.circuitBreaker === undefined ? undefined : createCircuitBreaker(options.circuitBreaker)
  const random = options.random ?? Math.random
  const events = options.events ?? {}

  function prepare(input: Omit<HttpRequest, 'path'>, method: string, path: string): PreparedRequest {
    const url = buildRequestUrl(baseUrl, path, input.query)
    assertUrlAllowed(url, egress)
    const headers = mergedHeaders(options.headers, input.headers)
    let body = checkedBody(input.body)
    if (input.json !== undefined) {
      body = jsonText(input.json)
      headers['content-type'] ??= 'application/json'
    }
    const idempotencyHeader = options.idempotency?.header.toLowerCase()
    const origin = url.origin
    const key = input.rateLimitKey ?? options.rateLimit?.key ?? origin
    return {
      method,
      url,
      described: `${method} ${origin}${url.pathname}`,
      key,
      limiter: input.rateLimit?.limiter ?? limiter,
      limiterKey: input.rateLimit?.key ?? key,
      headers,
      body,
      idempotencyKeySent: idempotencyHeader !== undefined && headers[idempotencyHeader] !== undefined,
      timeoutMs: input.timeoutMs ?? options.timeoutMs ?? 30_000,
      attemptTimeoutMs: 0,
      deadline: performance.now() + (input.deadlineMs ?? options.deadlineMs ?? 60_000),
      signal: input.signal,
      policy: input.retry === false || isStream(body) ? noRetries : policy,
      raw: input.raw === true,
      stream: input.stream === true,
      onAttempt: input.onAttempt,
    }
  }

  /** Waits for the rate limit, sends once, and reports the attempt everywhere it counts. */
  async function attemptOnce(call: PreparedRequest, attempt: number): Promise<AttemptResult> {
    const remaining = call.deadline - performance.now()
    if (remaining < minAttemptMs) throw new JunctionError('timeout', `${call.described}: the call's deadline passed`)
    let permit: Permit | undefined
    // No await at all without a limiter: every microtask counts on this path.
    if (call.limiter !== undefined) {
      permit = await call.limiter.acquire(call.limiterKey, { signal: call.signal, maxWaitMs: remaining - minAttemptMs })
    }
    const started = performance.now()
    call.attemptTimeoutMs = Math.min(call.timeoutMs, call.deadline - started)
    const result = await runAttempt(transport, maxResponseBytes, call, boundsItself)
    permit?.release()
    if (result.kind === 'response')
      call.limiter?.observe(call.limiterKey, { status: result.status, header: headerOf(result) })
    // The event is built only for someone listening: most calls have no listener.
    if (events.onAttempt === undefined && call.onAttempt === undefined) return result
    const event: AttemptEvent = {
      method: call.method,
      url: call.described,
      attempt,
      status: result.kind === 'response' ? result.status : undefined,
      error: result.kind === 'response' ? undefined : result.error.code,
      durationMs: performance.now() - started,
      rateLimitWaitMs: permit?.waitedMs ?? 0,
    }
    events.onAttempt?.(event)
    call.onAttempt?.(event)
    return result
  }

  function decide(call: PreparedRequest, attempt: number, result: AttemptResult): RetryDecision {
    const outcome: AttemptOutcome =
      result.kind === 'response'
        ? { kind: 'response', status: result.status, header: headerOf(result) }
        : { kind: 'network', failure: result.failure }
    return decideRetry({
      attempt,
      method: call.method,
      outcome,
      policy: call.policy,
      idempotencyKeySent: call.idempotencyKeySent,
      remainingMs: call.deadline - performance.now(),
      now: Date.now(),
      random: random(),
    })
  }

  function request<T>(input: HttpRequest): Promise<HttpResponse<T>> {
    return send<T>(input, (input.method ?? 'GET').toUpperCase(), input.path)
  }

  /** A request, its method and path given apart so that the shorthands need not copy the caller's options. */
  async function send<T>(input: Omit<HttpRequest, 'path'>, method: string, path: string): Promise<HttpResponse<T>> {
    let call: PreparedRequest | undefined
    let attempts = 0
    // The circuit counts the call once, by what the provider last said, when the call ends.
    let pass: CircuitPass | undefined
    let last: AttemptResult | undefined
    try {
      call = prepare(input, method, path)
      pass = breaker?.enter(call.key)
      for (;;) {
        if (call.signal?.aborted) throw abortedError()
        if (attempts > 0 && pass !== undefined) breaker?.reenter(call.key, pass)
        attempts++
        const result = await attemptOnce(call, attempts)
        last = result
        if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
          const answer: HttpResponse<T> = {
            status: result.status,
            headers: result.headers,
            data: result.data as T,
            attempts,
          }
          if (result.stream !== undefined) answer.stream = result.stream
          return answer
        }
        if (result.kind === 'failed' && !result.retryable) throw result.error
        const decision = decide(call, attempts, result)
        if (!decision.retry) throw new Stop(finalError(call, attempts, result, decision), decision.reason)
        const { method, described: url } = call
        events.onRetry?.({ method, url, attempt: attempts, delayMs: decision.delayMs, reason: decision.reason })
        await sleep(decision.delayMs, call.signal)
      }
    } catch (caught) {
      const [error, reason] = caught instanceof Stop ? [caught.error, caught.reason] : [caught, 'error' as const]
      const described = call?.described ?? describeUnprepared(method, path, input.query)
      const final = withContext(error, described)
      events.onGiveUp?.({ method, url: described, attempts, reason, error: final })
      throw final
    } finally {
      if (breaker !== undefined && call !== undefined && pass !== undefined) recordCall(breaker, call.key, pass, last)
    }
  }

  /** Names a call refused before it was prepared: by its URL when that can be built, else by the path it gave. */
  function describeUnprepared(method: string, path: string, query: HttpRequest['query']): string {
    try {
      return describeRequest(method, buildRequestUrl(baseUrl, path, query))
    } catch {
      return `${method} ${safeForMessage(path.split('?')[0] ?? '')}`
    }
  }

  const shorthand =
    (method: string): RequestShorthand =>
    (path, rest = {}) =>
      send(rest, method, path)

  return {
    request,
    get: shorthand('GET'),
    post: shorthand('POST'),
    put: shorthand('PUT'),
    patch: shorthand('PATCH'),
    delete: shorthand('DELETE'),
    circuitBreaker: breaker,
    close: async () => {
      await owned?.close()
    },
  }
}

/** Ends the retry loop with the error to report and the decision's reason. */
class Stop {
  constructor(
    readonly error: JunctionError,
    readonly reason: RetryReason,
  ) {}
}

function limiterFrom(options: HttpClientOptions['rateLimit']): RateLimiter | undefined {
  if (options === undefined) return undefined
  return 'limiter' in options ? options.limiter : createRateLimiter(options)
}

function headerOf(result: { headers: Record<string, string> }) {
  return (name: string) => result.headers[name]
}

function finalError(
  call: PreparedRequest,
  attempts: number,
  result: AttemptResult,
  decision: RetryDecision,
): JunctionError {
  if (result.kind === 'failed') return result.error
  return new HttpError(`${call.described} answered ${result.status}`, {
    status: result.status,
    headers: result.headers,
    data: result.data,
    attempts,
    retryAfterMs: 'hintMs' in decision ? decision.hintMs : undefined,
  })
}

/**
 * A call counts by its last attempt: a 5xx or a failure to get an answer is a failure; any other answer a success. A
 * call that never got as far as an attempt, was aborted, or could not be sent as given tells nothing about the server.
 */
function recordCall(breaker: CircuitBreaker, key: string, pass: CircuitPass, last: AttemptResult | undefined): void {
  if (last === undefined) breaker.recordNeutral(key, pass)
  else if (last.kind === 'response') {
    if (last.status >= 500) breaker.recordFailure(key, pass)
    else breaker.recordSuccess(key, pass)
  } else if (last.error.code === 'aborted' || last.error.code === 'invalid_request') {
    breaker.recordNeutral(key, pass)
  } else {
    breaker.recordFailure(key, pass)
  }
}

/**
 * Every error the client throws names the request (method, origin and path, never the query). Errors from deeper
 * down (the limiter, the breaker, a URL the parser refused) get that prefix here; unknown ones become network errors.
 */
function withContext(error: unknown, described: string): JunctionError {
  if (isJunctionError(error)) {
    if (error.message.startsWith(described)) return error
    if (error instanceof HttpError) return error
    const options =
      error.retryAfterSeconds === undefined
        ? { cause: error }
        : { cause: error, retryAfterSeconds: error.retryAfterSeconds }
    return new JunctionError(error.code, `${described}: ${error.message}`, options)
  }
  return new JunctionError('network_error', `${described}: the request failed`, { cause: error })
}

/** The client's headers, then the request's over them, with lower-case names (a fresh object: json adds to it). */
function mergedHeaders(
  defaults: Record<string, string> | undefined,
  own: Record<string, string> | undefined,
): Record<string, string> {
  const merged: Record<string, string> = {}
  if (defaults !== undefined) for (const name of Object.keys(defaults)) merged[name.toLowerCase()] = defaults[name]!
  if (own !== undefined) for (const name of Object.keys(own)) merged[name.toLowerCase()] = own[name]!
  return merged
}

function isStream(body: unknown): body is Readable {
  // As undici tells a stream apart: anything that pipes and emits.
  const candidate = body as { pipe?: unknown; on?: unknown } | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.pipe === 'function' &&
    typeof candidate.on === 'function'
  )
}

/**
 * The body, if it is one the client can send (and retry, unless a stream). Anything else is the caller's mistake,
 * refused before the rate limit or the circuit count the call, and before anything is sent.
 */
function checkedBody(body: unknown): string | Uint8Array | Readable | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array || isStream(body)) return body
  const type = typeof body
  const given =
    body === null ? 'null' : Array.isArray(body) ? 'an array' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
  throw new JunctionError(
    'invalid_request',
    `body must be a string, a Uint8Array or a Readable stream, not ${given} (send an object as json)`,
  )
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch (error) {
    // A BigInt, a cycle, or a toJSON that throws: the message would repeat the caller's data, so it is kept as cause.
    throw new JunctionError('invalid_request', 'json is not serialisable (a BigInt or a cycle, say)', { cause: error })
  }
}
