/**
 * @module How bytes go to a server and back. The client talks to a `Transport`, so tests and embedders can put
 * anything behind it; the default one is undici with one keep-alive pool per origin and the egress rules applied at
 * connect time.
 */
import type { Readable } from 'node:stream'
import { Agent, type Dispatcher } from 'undici'
import { JunctionError } from '../core/errors.js'
import { createDeadlineSweeper, type DeadlineSweeper, type Expiring } from './deadline-sweeper.js'
import { type EgressPolicy, guardedLookup } from './egress.js'
import { refusalSafePool } from './undici-pool.js'

export interface TransportRequest {
  url: URL
  method: string
  headers: Record<string, string>
  /** A stream is sent as it is read (once: a call with one is never retried). */
  body: Uint8Array | string | Readable | undefined
  /** The caller's signal, if any. */
  signal: AbortSignal | undefined
  /** The whole attempt (headers and body) must finish within this; past it the transport fails with `timeout`. */
  timeoutMs: number
}

export interface TransportResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: AsyncIterable<Uint8Array>
  /**
   * Reads the whole body at once, when the transport can do that faster than iterating (optional). A transport that
   * offers it enforces its own size cap and fails with `response_too_large` past it.
   */
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
  /** Sockets per origin (as many as the rate limiter lets calls be in flight per key by default). @default 256 */
  connectionsPerOrigin?: number
  /** Bodies larger than this fail with `response_too_large`, counted as they arrive. @default 10 MiB */
  maxResponseBytes?: number
  /** How often attempt deadlines are checked. @default 10 */
  timeoutPrecisionMs?: number
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
 * What undici accepts as a signal besides an AbortSignal: anything with `once('abort')` and `removeListener`.
 * Building an AbortController costs about 15% of a request's time on a local keep-alive connection (measured with
 * npm run bench); this one-listener object costs next to nothing. It expires at the attempt's deadline, follows the
 * caller's signal while the attempt lasts, and settles the attempt's wait for headers (see {@link untilAborted}).
 */
class AttemptAbort implements Expiring {
  aborted = false
  reason: unknown
  /** Told of the abort besides undici, which only notes it while the request waits for a connection. */
  onAbort: ((reason: unknown) => void) | undefined
  private listener: (() => void) | undefined
  /** Listens to the caller's signal (built only when there is one). */
  private readonly onCallerAbort: (() => void) | undefined
  constructor(
    readonly deadline: number,
    private readonly timeoutMs: number,
    /** Called once the request is aborted, after undici has been told. */
    private readonly afterAbort: () => void,
    private readonly deadlines: DeadlineSweeper,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    deadlines.watch(this)
    if (callerSignal !== undefined) {
      this.onCallerAbort = () => this.abort(callerSignal.reason)
      callerSignal.addEventListener('abort', this.onCallerAbort, { once: true })
      if (callerSignal.aborted) this.onCallerAbort()
    }
  }
  once(_event: 'abort', listener: () => void): void {
    this.listener = listener
  }
  on(event: 'abort', listener: () => void): void {
    this.once(event, listener)
  }
  removeListener(): void {
    this.listener = undefined
  }
  expire(): void {
    this.abort(attemptTimeoutError(this.timeoutMs))
  }
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.listener
    this.listener = undefined
    listener?.()
    this.afterAbort()
    this.onAbort?.(reason)
  }
  /** The attempt is over: its deadline and its caller no longer matter. */
  release(): void {
    this.deadlines.forget(this)
    if (this.onCallerAbort !== undefined) this.callerSignal?.removeEventListener('abort', this.onCallerAbort)
  }
  /** The attempt's own error (a timeout) when that is what ended it. */
  failure(): JunctionError | undefined {
    return this.reason instanceof JunctionError ? this.reason : undefined
  }
}

type UndiciResponse = Dispatcher.ResponseData

/** An undici response as the client reads it: no closures per call, the common path reads the body whole. */
class AttemptResponse implements TransportResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  constructor(
    private readonly response: UndiciResponse,
    private readonly abort: AttemptAbort,
    private readonly tooLarge: () => JunctionError,
  ) {
    this.status = response.statusCode
    this.headers = response.headers
  }
  // Built only when read as a stream: the usual path reads the whole body with bytes().
  get body(): AsyncIterable<Uint8Array> {
    return rethrowing(this.response.body, () => this.abort.failure())
  }
  async bytes(): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.response.body.arrayBuffer())
    } catch (error) {
      throw this.abort.failure() ?? (errorCode(error) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' ? this.tooLarge() : error)
    }
  }
  release(): void {
    this.abort.release()
    if (!this.response.body.readableEnded) this.response.body.destroy()
  }
}

export function createUndiciTransport(options: UndiciTransportOptions = {}): ClosableTransport {
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024
  const tooLarge = () =>
    new JunctionError('response_too_large', `response body is larger than ${maxResponseBytes} bytes`)
  const agent = new Agent({
    factory: refusalSafePool,
    maxResponseSize: maxResponseBytes,
    connections: options.connectionsPerOrigin ?? 256,
    connect: {
      timeout: options.connectTimeoutMs ?? 10_000,
      ...(options.egress === undefined ? {} : { lookup: guardedLookup(options.egress) }),
    },
    // Timeouts are the client's (per attempt and per call), not undici's 300 s defaults.
    headersTimeout: 0,
    bodyTimeout: 0,
  })

  const deadlines = createDeadlineSweeper(options.timeoutPrecisionMs ?? 10)

  /**
   * undici 7 lets go of an aborted request's socket a turn of the event loop after destroying it; a request
   * dispatched within that turn can be given the old socket and leave it open for good (seen with a retry right after
   * a timeout). So after an abort, requests wait for the next turn: whoever sends them, a retry or another call.
   */
  let socketsSettling: Promise<void> | undefined
  const afterAbort = () => {
    socketsSettling ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      socketsSettling = undefined
    })
  }

  const send = (request: TransportRequest): Promise<TransportResponse> => {
    const { url, timeoutMs } = request
    const abort = new AttemptAbort(performance.now() + timeoutMs, timeoutMs, afterAbort, deadlines, request.signal)
    // The agent itself rather than undici's request(url, options), which copies the options to add these two.
    const sent = agent.request({
      origin: url.origin,
      path: url.search === '' ? url.pathname : `${url.pathname}${url.search}`,
      method: request.method as 'GET',
      headers: request.headers,
      body: request.body ?? null,
      signal: abort,
    })
    return untilAborted(abort, sent).then(
      (response) => new AttemptResponse(response, abort, tooLarge),
      (error: unknown) => {
        abort.release()
        throw abort.failure() ?? error
      },
    )
  }
  const transport: Transport = (request) =>
    socketsSettling === undefined ? send(request) : socketsSettling.then(() => send(request))
  return { transport, close: () => agent.close() }
}

/**
 * The response, or the abort's reason as soon as the attempt is aborted. undici settles an aborted request only once
 * a connection takes it: one still waiting in the pool's queue (all sockets busy) would outlive its deadline. A
 * response that arrives after the abort is dropped.
 */
function untilAborted<T extends { body: { destroy(): unknown } }>(abort: AttemptAbort, sent: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    abort.onAbort = reject
    if (abort.aborted) reject(abort.reason)
    sent.then(
      (response) => {
        abort.onAbort = undefined
        if (abort.aborted) response.body.destroy()
        else resolve(response)
      },
      (error: unknown) => reject(error),
    )
  })
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code
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
