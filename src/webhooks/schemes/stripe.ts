/**
 * @module Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` an HMAC-SHA256 of
 * `{t}.{raw body}` keyed with the endpoint secret (the whole `whsec_…` string as bytes, not base64-decoded). Several
 * `v1` values come while Stripe rolls a secret; any one may match. Other schemes (`v0`, test-mode extras) are ignored.
 * The event id for deduplication is the `id` of the event in the body.
 * @see https://docs.stripe.com/webhooks#verify-manually
 */
import { parseVerifiedJson, stringField } from '../body.js'
import { hmacSha256 } from '../mac.js'
import { decodeHex } from '../signature-encoding.js'
import { parseUnixSeconds } from '../timestamp.js'
import { type ReadResult, refuse, type SchemeRequest, unixSeconds, type WebhookSchemeDefinition } from './scheme.js'

export const stripeScheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const header = request.header('stripe-signature')
    if (header.kind === 'absent') return refuse('missing_signature')
    // stripe-node refuses an array header too: two Stripe-Signature headers have no single meaning.
    if (header.kind === 'repeated') return refuse('duplicate_header')

    const timestamps: string[] = []
    const v1Values: string[] = []
    for (const item of header.value.split(',')) {
      const equals = item.indexOf('=')
      if (equals === -1) continue
      const key = item.slice(0, equals).trim()
      const value = item.slice(equals + 1).trim()
      if (key === 't') timestamps.push(value)
      else if (key === 'v1') v1Values.push(value)
    }
    // Two `t=` (two headers joined with a comma, say) would let one timestamp be checked and another be signed.
    if (timestamps.length > 1) return refuse('duplicate_header')
    const timestamp = timestamps[0]
    if (timestamp === undefined) return refuse('missing_timestamp')
    const signedAt = parseUnixSeconds(timestamp)
    if (signedAt === undefined) return refuse('malformed_timestamp')
    if (v1Values.length === 0) return refuse('missing_signature')
    const signatures = v1Values.map(decodeHex).filter((mac) => mac !== undefined)
    if (signatures.length === 0) return refuse('malformed_signature')

    const body = request.body
    return {
      ok: true,
      delivery: {
        signatures,
        signedAt,
        macFor: (secret) => hmacSha256(secret, `${timestamp}.`, body),
        eventId: () => stringField(parseVerifiedJson(body), 'id'),
      },
    }
  },

  sign({ secret, body, timestamp }) {
    const t = unixSeconds(timestamp)
    const mac = hmacSha256(secret, `${t}.`, body).toString('hex')
    return { 'stripe-signature': `t=${t},v1=${mac}` }
  },
}
