/**
 * @module What the proxy answers, as a description any server can write: a status, headers and a body. The hub's
 * socket writes it to Node's `ServerResponse` (server/proxy-node-route.ts); the app's route and `junction.fetch()` turn
 * it into a web `Response` ({@link responseOf}).
 */
import { errorHeaders } from '../core/error-response.js'
import { errorBody, type JunctionError, statusForCode } from '../core/errors.js'

export interface ProxyAnswer {
  status: number
  /**
   * Lower-case names. `Content-Length` only for a success body the provider declared one for (it passes through
   * unchanged); for bytes the writer sets it, and any other stream goes chunked.
   */
  headers: Record<string, string>
  /**
   * Bytes, read whole (an error, a redirect, Junction's own error JSON, a success body declaring at most 16 KiB); a
   * larger success body as it streams from the provider (read it to the end or cancel it); none for 204, 205 and 304.
   */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined
}

/** Junction's own error JSON (`message` scrubbed by the caller), with `Junction-Error` and `Retry-After` when known. */
export function errorAnswer(error: JunctionError, headers: Record<string, string>, message: string): ProxyAnswer {
  return {
    status: statusForCode(error.code),
    headers: errorHeaders(error.code, error.retryAfterSeconds, headers),
    body: Buffer.from(JSON.stringify(errorBody(error.code, message))),
  }
}

/** The answer as a web `Response`. */
export function responseOf(answer: ProxyAnswer): Response {
  return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers })
}
