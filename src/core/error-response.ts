/**
 * @module Junction's one error shape as a web `Response`, with the status from the one code table and the code in
 * `Junction-Error`: on every route, so that a caller can always tell Junction's own answer (a 503 `unavailable`
 * while the database is away, say) from a provider's answer passed through the proxy.
 */
import { errorBody, type JunctionError, type JunctionErrorCode, statusForCode } from './errors.js'

export function errorResponse(
  code: JunctionErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status: statusForCode(code),
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'junction-error': code,
      ...headers,
    },
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
  const retryAfter: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(Math.ceil(error.retryAfterSeconds)) }
  return errorResponse(error.code, message, { ...retryAfter, ...headers })
}
