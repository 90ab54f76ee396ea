/** @module One attempt: send through the transport, read the body under its cap, and classify what went wrong. */
import { isJunctionError, JunctionError } from '../core/errors.js'
import { createDeadlineSweeper, type Expiring } from './deadline-sweeper.js'
import { classifyNetworkError } from './network-errors.js'
import { parseBody, readCappedBody } from './response-body.js'
import type { NetworkFailure } from './retry-decision.js'
import { abortedError } from './sleep.js'
import { attemptTimeoutError, type Transport, type TransportRequest, type TransportResponse } from './transport.js'

export type AttemptResult =
  | {
      kind: 'response'
      status: number
      headers: Record<string, string>
      data: unknown
      /** A 2xx body not read, when the attempt asked to stream. */
      stream?: ReadableStream<Uint8Array>
    }
  | { kind: 'failed'; failure: NetworkFailure; error: JunctionError; retryable: boolean }

export interface AttemptInput extends Omit<TransportRequest, 'timeoutMs'> {
  /** This attempt's bound (headers and body). */
  attemptTimeoutMs: number
  /** `METHOD origin/path`, for messages. */
  described: string
  /** Keep the body as bytes. */
  raw: boolean
  /**
   * Hand a 2xx body over unread, as a stream (other answers are read as usual), unless it declares a length of at
   * most {@link wholeBodyBytes}: such a body is read whole, which costs less than a stream and keeps the connection.
   */
  stream: boolean
}

/** A 2xx body declaring at most this many bytes is read whole even when the caller asked to stream. */
export const wholeBodyBytes = 16 * 1024

/** Every client's attempts share one timer for their hard bounds (10 ms precision, as the undici transport's). */
const attemptBounds = createDeadlineSweeper(10)

/**
 * Sends once and reads the answer. The attempt ends by its `attemptTimeoutMs`, and at once when its caller aborts,
 * whatever the transport does: a transport that never settles must not hold a call (and its rate-limit permit) past
 * its deadline. An outcome that comes after that is dropped. A transport known to end attempts by itself on both
 * counts (`boundsItself`: the client's own undici transport) is not watched twice: that is the common call's path.
 */
export function runAttempt(
  transport: Transport,
  maxResponseBytes: number,
  attempt: AttemptInput,
  boundsItself = false,
): Promise<AttemptResult> {
  const outcome = sendAndRead(transport, maxResponseBytes, attempt)
  if (boundsItself) return outcome
  return new Promise((resolve) => {
    let settled = false
    const settle = (result: AttemptResult): boolean => {
      if (settled) return false
      settled = true
      attemptBounds.forget(bound)
      attempt.signal?.removeEventListener('abort', onAbort)
      resolve(result)
      return true
    }
    const bound: Expiring = {
      deadline: performance.now() + attempt.attemptTimeoutMs,
      expire: () => settle(failedAttempt(attemptTimeoutError(attempt.attemptTimeoutMs), attempt)),
    }
    const onAbort = () => settle(failedAttempt(abortedError(), attempt))
    attemptBounds.watch(bound)
    attempt.signal?.addEventListener('abort', onAbort, { once: true })
    if (attempt.signal?.aborted) onAbort()
    void outcome.then((result) => {
      // Too late: a body handed over as a stream has no reader now.
      if (!settle(result) && result.kind === 'response') void result.stream?.cancel()
    })
  })
}

async function sendAndRead(
  transport: Transport,
  maxResponseBytes: number,
  attempt: AttemptInput,
): Promise<AttemptResult> {
  let response: TransportResponse | undefined
  let handedOver = false
  try {
    response = await transport({
      url: attempt.url,
      method: attempt.method,
      headers: attempt.headers,
      body: attempt.body,
      signal: attempt.signal,
      timeoutMs: attempt.attemptTimeoutMs,
    })
    const headers = flattenHeaders(response.headers)
    if (attempt.stream && response.status >= 200 && response.status < 300 && !declaredSmall(headers)) {
      handedOver = true
      return { kind: 'response', status: response.status, headers, data: undefined, stream: streamOf(response) }
    }
    const bytes = await readCappedBody(response, maxResponseBytes, attempt.described)
    const data = attempt.raw
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : parseBody(bytes, headers['content-type'])
    return { kind: 'response', status: response.status, headers, data }
  } catch (error) {
    return failedAttempt(error, attempt)
  } finally {
    if (!handedOver) response?.release()
  }
}

/**
 * The body as a web stream that frees the response once read to the end, failed, or cancelled. Past the size cap the
 * transport fails the body, and the stream with it.
 */
function streamOf(response: TransportResponse): ReadableStream<Uint8Array> {
  const chunks = response.body[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next()
        if (next.done === true) {
          response.release()
          controller.close()
        } else {
          controller.enqueue(next.value)
        }
      } catch (error) {
        response.release()
        controller.error(error)
      }
    },
    cancel() {
      response.release()
    },
  })
}

function declaredSmall(headers: Record<string, string>): boolean {
  const declared = headers['content-length']
  return declared !== undefined && /^\d{1,5}$/.test(declared) && Number(declared) <= wholeBodyBytes
}

function failedAttempt(error: unknown, attempt: AttemptInput): AttemptResult {
  if (attempt.signal?.aborted) return { kind: 'failed', failure: 'other', error: abortedError(), retryable: false }
  if (isJunctionError(error) && error.code === 'timeout') {
    const timedOut = new JunctionError('timeout', `${attempt.described}: ${error.message}`)
    return { kind: 'failed', failure: 'timeout', error: timedOut, retryable: true }
  }
  if (isJunctionError(error)) return { kind: 'failed', failure: 'other', error, retryable: false }
  const failure = classifyNetworkError(error)
  if (failure.egressBlocked !== undefined) {
    return { kind: 'failed', failure: 'connect', error: failure.egressBlocked, retryable: false }
  }
  const code = failure.malformed ? 'invalid_request' : 'network_error'
  const networkError = new JunctionError(code, `${attempt.described}: ${failure.description}`, { cause: error })
  return { kind: 'failed', failure: failure.kind, error: networkError, retryable: failure.retryable }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  // undici gives lower-case names; only repeated headers (arrays) need work, and they are rare.
  if (allStrings(headers)) return headers as Record<string, string>
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

function allStrings(headers: Record<string, unknown>): boolean {
  for (const name in headers) if (typeof headers[name] !== 'string') return false
  return true
}
