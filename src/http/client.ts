/**
 * @module The resilient HTTP client (`junction/http`): timeouts per attempt and per call, retries by the pure
 * {@link decideRetry}, a rate limiter that queues instead of failing, a circuit breaker, a response size cap, and
 * the egress rules. It writes no logs: it emits events.
 */
import { isJunctionError, JunctionError } from '../core/errors.js'
import { type CircuitBreaker, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker.js'
import { assertUrlAllowed, type EgressPolicy } from './egress.js'
import { HttpError } from './http-error.js'
import { classifyNetworkError } from './network-errors.js'
import { createRateLimiter, type Permit, type RateLimiter, type RateLimitOptions } from './rate-limit/rate-limiter.js'
import { buildRequestUrl, describeRequest, type QueryValue } from './request-url.js'
import { parseBody, readCappedBody } from './response-body.js'
import {
  type AttemptOutcome,
  decideRetry,
  defaultRetryPolicy,
  type NetworkFailure,
  type RetryPolicy,
  type RetryReason,
} from './retry-decision.js'
import { abortedError, sleep } from './sleep.js'
import { createUndiciTransport, type Transport, type TransportResponse } from './transport.js'

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
  /** Fail fast after repeated failures. Off unless given. */
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
  body?: string | Uint8Array
  signal?: AbortSignal
  timeoutMs?: number
  deadlineMs?: number
}

export interface HttpResponse<T = unknown> {
  status: number
  headers: Record<string, string>
  data: T
  attempts: number
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

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const baseUrl = options.baseUrl === undefined ? undefined : new URL(options.baseUrl)
  const egress = options.egress ?? { allowHttp: false, allowPrivateNetworks: false }
  const owned =
    options.transport === undefined
      ? createUndiciTransport({ egress, maxResponseBytes: options.maxResponseBytes ?? defaultMaxResponseBytes })
      : undefined
  const transport = options.transport ?? owned!.transport
  const policy: RetryPolicy | undefined =
    options.retry === false ? undefined : { ...defaultRetryPolicy, ...options.retry }
  const limiter =
    options.rateLimit === undefined
      ? undefined
      : 'limiter' in options.rateLimit
        ? options.rateLimit.limiter
        : createRateLimiter(options.rateLimit)
  const breaker = options.circuitBreaker === undefined ? undefined : createCircuitBreaker(options.circuitBreaker)
  const random = options.random ?? Math.random
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  const events = options.events ?? {}

  async function request<T>(input: HttpRequest): Promise<HttpResponse<T>> {
    const method = (input.method ?? 'GET').toUpperCase()
    const url = buildRequestUrl(baseUrl, input.path, input.query)
    assertUrlAllowed(url, egress)
    const described = describeRequest(method, url)
    const key = options.rateLimit?.key ?? url.origin
    const headers = lowerCaseKeys({ ...options.headers, ...input.headers })
    let body: string | Uint8Array | undefined = input.body
    if (input.json !== undefined) {
      body = JSON.stringify(input.json)
      headers['content-type'] ??= 'application/json'
    }
    const idempotencyKeySent =
      options.idempotency !== undefined && headers[options.idempotency.header.toLowerCase()] !== undefined
    const timeoutMs = input.timeoutMs ?? options.timeoutMs ?? 30_000
    const deadline = performance.now() + (input.deadlineMs ?? options.deadlineMs ?? 60_000)

    const giveUp = (error: JunctionError, attempts: number, reason: RetryReason | 'error') => {
      events.onGiveUp?.({ method, url: described, attempts, reason, error })
      return error
    }

    for (let attempt = 1; ; attempt++) {
      if (input.signal?.aborted) throw giveUp(abortedError(), attempt - 1, 'error')
      let permit: Permit | undefined
      try {
        breaker?.enter(key)
        // No await at all without a limiter: every microtask counts on this path.
        if (limiter !== undefined)
          permit = await limiter.acquire(key, {
            signal: input.signal,
            maxWaitMs: Math.max(0, deadline - performance.now()),
          })
      } catch (error) {
        if (isJunctionError(error) && error.code === 'rate_limited') breaker?.recordNeutral(key)
        throw giveUp(asJunctionError(error, described), attempt - 1, 'error')
      }
      const started = performance.now()
      const attemptTimeoutMs = Math.max(1, Math.min(timeoutMs, deadline - started))
      const attemptResult = await runAttempt({
        method,
        url,
        headers,
        body,
        signal: input.signal,
        timeoutMs: attemptTimeoutMs,
        described,
      })
      permit?.release()

      const outcome: AttemptOutcome =
        attemptResult.kind === 'response'
          ? { kind: 'response', status: attemptResult.status, header: (name) => attemptResult.headers[name] }
          : { kind: 'network', failure: attemptResult.failure }
      if (attemptResult.kind === 'response')
        limiter?.observe(key, {
          status: attemptResult.status,
          header: outcome.kind === 'response' ? outcome.header : () => undefined,
        })
      recordBreaker(breaker, key, attemptResult)
      events.onAttempt?.({
        method,
        url: described,
        attempt,
        status: attemptResult.kind === 'response' ? attemptResult.status : undefined,
        error: attemptResult.kind === 'response' ? undefined : attemptResult.error.code,
        durationMs: performance.now() - started,
        rateLimitWaitMs: permit?.waitedMs ?? 0,
      })

      if (attemptResult.kind === 'response' && attemptResult.status >= 200 && attemptResult.status < 300) {
        return {
          status: attemptResult.status,
          headers: attemptResult.headers,
          data: attemptResult.data as T,
          attempts: attempt,
        }
      }
      if (attemptResult.kind === 'failed' && !attemptResult.retryable)
        throw giveUp(attemptResult.error, attempt, 'error')

      const decision =
        policy === undefined
          ? ({ retry: false, reason: 'attempts_exhausted' } as const)
          : decideRetry({
              attempt,
              method,
              outcome,
              policy,
              idempotencyKeySent,
              remainingMs: deadline - performance.now(),
              now: Date.now(),
              random: random(),
            })
      if (!decision.retry) {
        const error =
          attemptResult.kind === 'response'
            ? new HttpError(`${described} answered ${attemptResult.status}`, {
                status: attemptResult.status,
                headers: attemptResult.headers,
                data: attemptResult.data,
                attempts: attempt,
                retryAfterMs: 'hintMs' in decision ? decision.hintMs : undefined,
              })
            : attemptResult.error
        throw giveUp(error, attempt, decision.reason)
      }
      events.onRetry?.({ method, url: described, attempt, delayMs: decision.delayMs, reason: decision.reason })
      try {
        await sleep(decision.delayMs, input.signal)
      } catch (error) {
        throw giveUp(asJunctionError(error, described), attempt, 'error')
      }
    }
  }

  type AttemptResult =
    | { kind: 'response'; status: number; headers: Record<string, string>; data: unknown }
    | { kind: 'failed'; failure: NetworkFailure; error: JunctionError; retryable: boolean }

  async function runAttempt(attempt: {
    method: string
    url: URL
    headers: Record<string, string>
    body: string | Uint8Array | undefined
    signal: AbortSignal | undefined
    timeoutMs: number
    described: string
  }): Promise<AttemptResult> {
    let response: TransportResponse | undefined
    try {
      response = await transport({
        url: attempt.url,
        method: attempt.method,
        headers: attempt.headers,
        body: attempt.body,
        signal: attempt.signal,
        timeoutMs: attempt.timeoutMs,
      })
      const bytes = await readCappedBody(response, maxResponseBytes, () => attempt.described)
      const headers = flattenHeaders(response.headers)
      return { kind: 'response', status: response.status, headers, data: parseBody(bytes, headers['content-type']) }
    } catch (error) {
      if (attempt.signal?.aborted) return { kind: 'failed', failure: 'other', error: abortedError(), retryable: false }
      if (isJunctionError(error) && error.code === 'timeout') {
        const timedOut = new JunctionError('timeout', `${attempt.described}: ${error.message}`)
        return { kind: 'failed', failure: 'timeout', error: timedOut, retryable: true }
      }
      if (isJunctionError(error)) return { kind: 'failed', failure: 'other', error, retryable: false }
      const failure = classifyNetworkError(error)
      if (failure.egressBlocked !== undefined)
        return { kind: 'failed', failure: 'connect', error: failure.egressBlocked, retryable: false }
      const networkError = new JunctionError('network_error', `${attempt.described}: ${failure.description}`, {
        cause: error,
      })
      return { kind: 'failed', failure: failure.kind, error: networkError, retryable: true }
    } finally {
      response?.release()
    }
  }

  const shorthand =
    (method: string): RequestShorthand =>
    (path, rest = {}) =>
      request({ ...rest, method, path })

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

function recordBreaker(
  breaker: CircuitBreaker | undefined,
  key: string,
  result: { kind: string; status?: number; error?: JunctionError },
): void {
  if (breaker === undefined) return
  if (result.kind === 'response') {
    if ((result.status ?? 0) >= 500) breaker.recordFailure(key)
    else breaker.recordSuccess(key)
  } else if (result.error?.code === 'aborted') {
    breaker.recordNeutral(key)
  } else {
    breaker.recordFailure(key)
  }
}

function asJunctionError(error: unknown, described: string): JunctionError {
  if (isJunctionError(error)) return error
  return new JunctionError('network_error', `${described}: ${error instanceof Error ? error.message : 'failed'}`, {
    cause: error,
  })
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  // undici gives lower-case names; only repeated headers (arrays) need work, and they are rare.
  if (Object.values(headers).every((value) => typeof value === 'string')) return headers as Record<string, string>
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}
