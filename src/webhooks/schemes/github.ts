/**
 * @module GitHub: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the raw body keyed with the webhook's secret.
 * The legacy SHA-1 `X-Hub-Signature` is never accepted. There is no timestamp, so a captured delivery stays valid:
 * deduplication on `X-GitHub-Delivery` is what stops a replay (that header is not covered by the signature).
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { randomUUID } from 'node:crypto'
import { optionalHeaderValue, soleHeaderValue } from '../headers.js'
import { hmacSha256 } from '../mac.js'
import { decodeHex } from '../signature-encoding.js'
import { type ReadResult, refuse, type SchemeRequest, type WebhookSchemeDefinition } from './scheme.js'

const signaturePrefix = 'sha256='

export const githubScheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const signature = soleHeaderValue(request.header, 'x-hub-signature-256', 'missing_signature')
    if ('reason' in signature) return refuse(signature.reason)
    if (!signature.value.startsWith(signaturePrefix)) return refuse('unknown_signature_version')
    const mac = decodeHex(signature.value.slice(signaturePrefix.length))
    if (mac === undefined) return refuse('malformed_signature')

    const body = request.body
    return {
      ok: true,
      delivery: {
        signatures: [mac],
        signedAt: undefined,
        macFor: (secret) => hmacSha256(secret, body),
        eventId: () => optionalHeaderValue(request.header, 'x-github-delivery'),
      },
    }
  },

  sign({ secret, body, id }) {
    const mac = hmacSha256(secret, body).toString('hex')
    return { 'x-hub-signature-256': `${signaturePrefix}${mac}`, 'x-github-delivery': id ?? randomUUID() }
  },
}
