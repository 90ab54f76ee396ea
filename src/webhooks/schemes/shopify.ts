/**
 * @module Shopify: `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body keyed with the app's client
 * secret. No timestamp is signed, so deduplication on `X-Shopify-Webhook-Id` is what stops a replay (that header is
 * not covered by the signature).
 * @see https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
 */
import { randomUUID } from 'node:crypto'
import { optionalHeaderValue, soleHeaderValue } from '../headers.js'
import { hmacSha256 } from '../mac.js'
import { decodeBase64 } from '../signature-encoding.js'
import { type ReadResult, refuse, type SchemeRequest, type WebhookSchemeDefinition } from './scheme.js'

export const shopifyScheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const signature = soleHeaderValue(request.header, 'x-shopify-hmac-sha256', 'missing_signature')
    if ('reason' in signature) return refuse(signature.reason)
    const mac = decodeBase64(signature.value)
    if (mac === undefined) return refuse('malformed_signature')

    const body = request.body
    return {
      ok: true,
      delivery: {
        signatures: [mac],
        signedAt: undefined,
        macFor: (secret) => hmacSha256(secret, body),
        eventId: () => optionalHeaderValue(request.header, 'x-shopify-webhook-id'),
      },
    }
  },

  sign({ secret, body, id }) {
    return {
      'x-shopify-hmac-sha256': hmacSha256(secret, body).toString('base64'),
      'x-shopify-webhook-id': id ?? randomUUID(),
    }
  },
}
