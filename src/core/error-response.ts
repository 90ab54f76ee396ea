/** @module Junction's one error shape as a web `Response`, with the status from the one code table. */
import { errorBody, type JunctionErrorCode, statusForCode } from './errors.js'

export function errorResponse(
  code: JunctionErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status: statusForCode(code),
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  })
}
