/** @module The error for a response that stayed unsuccessful after retries. */
import { JunctionError } from '../core/errors.js'

export interface HttpErrorDetails {
  status: number
  headers: Record<string, string>
  data: unknown
  attempts: number
  /** The provider's wait hint, when it gave one (a 429 whose wait exceeded the call's budget, say). */
  retryAfterMs?: number | undefined
}

/** A non-2xx response after retries: code `http_error`, with the status, headers, parsed body and attempt count. */
export class HttpError extends JunctionError {
  override readonly name = 'HttpError'
  readonly status: number
  readonly headers: Record<string, string>
  readonly data: unknown
  readonly attempts: number
  readonly retryAfterMs: number | undefined

  constructor(message: string, details: HttpErrorDetails) {
    super(
      'http_error',
      message,
      details.retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(details.retryAfterMs / 1000) },
    )
    this.status = details.status
    this.headers = details.headers
    this.data = details.data
    this.attempts = details.attempts
    this.retryAfterMs = details.retryAfterMs
  }
}

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError
}
