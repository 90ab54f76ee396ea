/**
 * @module How bytes go to a server and back. The client talks to a `Transport`, so tests and embedders can put
 * anything behind it; the default one is undici with one keep-alive pool per origin and the egress rules applied at
 * connect time.
 */
import { EventEmitter } from 'node:events'
import { Agent, request as undiciRequest } from 'undici'
import { JunctionError } from '../core/errors.js'
import { type EgressPolicy, guardedLookup } from './egress.js'

export interface TransportRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body: Uint8Array | string | undefined
  /** The caller's signal, if any. */
  signal: AbortSignal | undefined
  /** The whole attempt (headers and body) must finish within this; past it the transport fails with `timeout`. */
  timeoutMs: number
}

export interface TransportResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: AsyncIterable<Uint8Array>
  /** Reads the whole body at once, when the transport can do that faster than iterating (optional). */
  bytes?: () => Promise<Uint8Array>
  /** Frees what the response holds: stops reading if unfinished (closing the connection) and cancels its timers. */
  release(): void
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>

export interface UndiciTransportOptions {
  /** Applied to the address each socket connects to. Without it, any address is allowed. */
  egress?: EgressPolicy | undefined
  /** @default 10_000 */
  connectTimeoutMs?: number
  /** Sockets per origin. @default 128 */
  connectionsPerOrigin?: number
}

export interface ClosableTransport {
  transport: Transport
  close(): Promise<void>
}

/** The error an attempt ends with when its time is up. */
export function attemptTimeoutError(timeoutMs: number): JunctionError {
  return new JunctionError('timeout', `no complete response within ${timeoutMs} ms`)
}

/**
 * What undici accepts as a signal besides an AbortSignal: an emitter of `abort`. Building an AbortController costs
 * about 15% of a request's time on a local keep-alive connection (measured with npm run bench); this costs nothing.
 */
class AttemptAbort extends EventEmitter {
  aborted = false
  reason: unknown
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.emit('abort', reason)
  }
}

export function createUndiciTransport(options: UndiciTransportOptions = {}): ClosableTransport {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    connect: {
      timeout: options.connectTimeoutMs ?? 10_000,
      ...(options.egress === undefined ? {} : { lookup: guardedLookup(options.egress) }),
    },
    // Timeouts are the client's (per attempt and per call), not undici's 300 s defaults.
    headersTimeout: 0,
    bodyTimeout: 0,
  })

  const transport: Transport = async (request) => {
    const abort = new AttemptAbort()
    const timer = setTimeout(() => abort.abort(attemptTimeoutError(request.timeoutMs)), request.timeoutMs)
    const onCallerAbort = () => abort.abort(request.signal?.reason)
    request.signal?.addEventListener('abort', onCallerAbort, { once: true })
    const release = () => {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onCallerAbort)
    }
    if (request.signal?.aborted) onCallerAbort()
    let response: Awaited<ReturnType<typeof undiciRequest>>
    try {
      response = await undiciRequest(request.url, {
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body ?? null,
        signal: abort,
        dispatcher: agent,
      })
    } catch (error) {
      release()
      // undici 7 destroys the socket of an aborted request a tick later; a request dispatched before that tick
      // leaves the old socket open for good (seen with a retry right after a timeout). One turn of the loop first.
      if (abort.aborted) await new Promise((resolve) => setImmediate(resolve))
      throw abort.reason instanceof JunctionError ? abort.reason : error
    }
    const body = response.body
    const failure = () => (abort.reason instanceof JunctionError ? abort.reason : undefined)
    return {
      status: response.statusCode,
      headers: response.headers,
      // Built only when read as a stream: the usual path reads the whole body with bytes().
      get body() {
        return rethrowing(body, failure)
      },
      bytes: () =>
        body.arrayBuffer().then(
          (buffer) => new Uint8Array(buffer),
          (error: unknown) => Promise.reject(failure() ?? error),
        ),
      release() {
        release()
        if (!body.readableEnded) body.destroy()
      },
    }
  }
  return { transport, close: () => agent.close() }
}

/** Iterates a body, replacing undici's abort error with the attempt's own (a timeout) when that is the cause. */
async function* rethrowing(
  body: AsyncIterable<Uint8Array>,
  failure: () => JunctionError | undefined,
): AsyncIterable<Uint8Array> {
  try {
    yield* body
  } catch (error) {
    throw failure() ?? error
  }
}
