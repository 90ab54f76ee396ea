/**
 * @module How bytes go to a server and back. The client talks to a `Transport`, so tests and embedders can put
 * anything behind it; the default one is undici with one keep-alive pool per origin and the egress rules applied at
 * connect time.
 */
import { Agent, request as undiciRequest } from 'undici'
import { type EgressPolicy, guardedLookup } from './egress.js'

export interface TransportRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body: Uint8Array | string | undefined
  signal: AbortSignal
}

export interface TransportResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: AsyncIterable<Uint8Array>
  /** Stops reading and releases the connection (closing it when the body was not read to its end). */
  discard(): void
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

export function createUndiciTransport(options: UndiciTransportOptions = {}): ClosableTransport {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    connect: {
      timeout: options.connectTimeoutMs ?? 10_000,
      ...(options.egress === undefined ? {} : { lookup: guardedLookup(options.egress) }),
    },
    // Timeouts are the client's (per attempt and per call, through the signal), not undici's 300 s defaults.
    headersTimeout: 0,
    bodyTimeout: 0,
  })
  const transport: Transport = async (request) => {
    let response: Awaited<ReturnType<typeof undiciRequest>>
    try {
      response = await undiciRequest(request.url, {
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body ?? null,
        signal: request.signal,
        dispatcher: agent,
      })
    } catch (error) {
      // undici 7 destroys the socket of an aborted request a tick later; a request dispatched before that tick
      // leaves the old socket open for good (seen with a retry right after a timeout). One turn of the loop first.
      if (request.signal.aborted) await new Promise((resolve) => setImmediate(resolve))
      throw error
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      discard: () => response.body.destroy(),
    }
  }
  return { transport, close: () => agent.close() }
}
