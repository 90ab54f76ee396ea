/**
 * @module Junction's one error shape as a web `Response`, with the status from the one code table and the code in
 * `Junction-Error`: on every route, so that a caller can always tell Junction's own answer (a 503 `unavailable`
 * while the database is away, say) from a provider's answer passed through the proxy.
 */
import { errorBody, type JunctionError, type JunctionErrorCode, statusForCode } from './errors.js'

/**
 * The headers of Junction's own error answer, wherever it is written (a web `Response`, the proxy's answer, Node's
 * `ServerResponse`): JSON, never cached, the code in `Junction-Error`, `Retry-After` when known, then `headers`.
 */
export function errorHeaders(
  code: JunctionErrorCode,
  retryAfterSeconds: number | undefined,
  headers: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'junction-error': code,
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(Math.ceil(retryAfterSeconds)) }),
    ...headers,
  }
}

export function errorResponse(
  code: JunctionErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status: statusForCode(code),
    headers: errorHeaders(code, undefined, headers),
  })
}

/**
 * A JunctionError as a Response: its code's status, its message (or `message`, scrubbed by the caller), `Retry-After`
 * when it has one, and `headers`.
 */
export function junctionErrorResponse(
  error: JunctionError,
  headers: Record<string, string> = {},
  message = error.message,
): Response {
  return new Response(JSON.stringify(errorBody(error.code, message)), {
    status: statusForCode(error.code),
    headers: errorHeaders(error.code, error.retryAfterSeconds, headers),
  })
}
