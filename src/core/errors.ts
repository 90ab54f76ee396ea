/**
 * @module One error class for everything Junction throws, with a closed set of string codes.
 * The server turns a code into an HTTP status through {@link statusForCode}, the only such table.
 */

/** Status of every code that can reach the wire (docs/http-api.md, "Errors"). */
const wireStatus = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_path: 400,
  missing_user_id: 400,
  invalid_state: 400,
  not_token_based: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  egress_blocked: 403,
  not_found: 404,
  integration_not_found: 404,
  connection_not_found: 404,
  method_not_allowed: 405,
  connection_needs_reauth: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  network_error: 502,
  response_too_large: 502,
  refresh_failed: 502,
  provider_error: 502,
  circuit_open: 503,
  unavailable: 503,
  timeout: 504,
} as const

/** Codes of the resilient HTTP client (docs/library.md, "Errors") that are not wire codes of their own. */
type ClientOnlyCode = 'http_error' | 'aborted'

export type WireErrorCode = keyof typeof wireStatus
export type JunctionErrorCode = WireErrorCode | ClientOnlyCode

export interface JunctionErrorOptions {
  cause?: unknown
  /** Seconds the caller should wait before trying again (sent as `Retry-After` with `rate_limited`). */
  retryAfterSeconds?: number
}

/**
 * The error Junction throws. Its message is safe to show to an API caller: it never holds a secret,
 * a stack trace or a database driver's text (those stay in `cause`, which is only logged, redacted).
 */
export class JunctionError extends Error {
  override readonly name: string = 'JunctionError'
  readonly code: JunctionErrorCode
  readonly retryAfterSeconds: number | undefined

  constructor(code: JunctionErrorCode, message: string, options: JunctionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

export function isJunctionError(value: unknown): value is JunctionError {
  return value instanceof JunctionError
}

/** Whether a text (a `Junction-Error` header, say) is one of the wire codes (docs/http-api.md, "Errors"). */
export function isWireErrorCode(value: string): value is WireErrorCode {
  return Object.hasOwn(wireStatus, value)
}

/** The HTTP status for an error code; codes that never reach the wire on their own map to 502 (a provider failure). */
export function statusForCode(code: JunctionErrorCode): number {
  return code in wireStatus ? wireStatus[code as WireErrorCode] : 502
}

/** The one wire shape of Junction's own errors. */
export function errorBody(code: JunctionErrorCode, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } }
}
