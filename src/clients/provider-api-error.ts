/** @module The error of a provider that answers a failure inside a successful HTTP response (Slack's `ok: false`). */
import { JunctionError } from '../core/errors.js'

/** Code `provider_error`, with the provider's own error name and its whole answer. */
export class ProviderApiError extends JunctionError {
  override readonly name = 'ProviderApiError'
  /** The provider's error, e.g. Slack's `channel_not_found`. */
  readonly providerError: string
  readonly status: number
  readonly data: unknown

  constructor(message: string, details: { providerError: string; status: number; data: unknown }) {
    super('provider_error', message)
    this.providerError = details.providerError
    this.status = details.status
    this.data = details.data
  }
}

export function isProviderApiError(value: unknown): value is ProviderApiError {
  return value instanceof ProviderApiError
}
