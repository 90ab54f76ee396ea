/** @module Signs a body the way a provider would, so that an app can test its own webhook handler. */
import { bodyBytes } from './body.js'
import { schemeNamed } from './schemes/index.js'
import type { SignWebhookOptions } from './types.js'

/**
 * The headers a provider would send with `body`, signed with `secret` (names in lower case). For tests: it lets an
 * app exercise its webhook route without the provider. Throws a `TypeError` on options it cannot sign with.
 *
 * @example
 * const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid' })
 * const headers = signWebhook({ scheme: 'stripe', secret: 'whsec_test', body })
 * await fetch('http://localhost:3000/webhooks/stripe', { method: 'POST', headers, body })
 */
export function signWebhook(options: SignWebhookOptions): Record<string, string> {
  const scheme = schemeNamed(options.scheme)
  if (scheme === undefined) throw new TypeError(`signWebhook: unknown scheme ${JSON.stringify(options.scheme)}`)
  if (typeof options.secret !== 'string' || options.secret === '') {
    throw new TypeError('signWebhook: `secret` must be a non-empty string')
  }
  const body = bodyBytes(options.body)
  if (body === undefined) throw new TypeError('signWebhook: `body` must be a string or a Uint8Array')
  return scheme.sign({
    secret: options.secret,
    body,
    timestamp: options.timestamp ?? new Date(),
    url: options.url,
    method: options.method ?? 'POST',
    id: options.id,
  })
}
