/**
 * @module Slack: `X-Slack-Signature: v0=<hex>`, an HMAC-SHA256 keyed with the app's signing secret over
 * `v0:{X-Slack-Request-Timestamp}:{raw body}`. Versions other than `v0` are refused, as Slack's own SDKs do. The event
 * id for deduplication is the Events API's `event_id` in the body; slash commands and interactivity payloads
 * (form-encoded) carry none.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { parseVerifiedJson, stringField } from '../body.js'
import { soleHeaderValue } from '../headers.js'
import { hmacSha256 } from '../mac.js'
import { decodeHex } from '../signature-encoding.js'
import { parseUnixSeconds } from '../timestamp.js'
import { type ReadResult, refuse, type SchemeRequest, unixSeconds, type WebhookSchemeDefinition } from './scheme.js'

const signaturePrefix = 'v0='

export const slackScheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const signature = soleHeaderValue(request.header, 'x-slack-signature', 'missing_signature')
    if ('reason' in signature) return refuse(signature.reason)
    const timestamp = soleHeaderValue(request.header, 'x-slack-request-timestamp', 'missing_timestamp')
    if ('reason' in timestamp) return refuse(timestamp.reason)

    if (!signature.value.startsWith(signaturePrefix)) return refuse('unknown_signature_version')
    const mac = decodeHex(signature.value.slice(signaturePrefix.length))
    if (mac === undefined) return refuse('malformed_signature')
    const signedAt = parseUnixSeconds(timestamp.value)
    if (signedAt === undefined) return refuse('malformed_timestamp')

    const body = request.body
    return {
      ok: true,
      delivery: {
        signatures: [mac],
        signedAt,
        macFor: (secret) => hmacSha256(secret, `v0:${timestamp.value}:`, body),
        eventId: () => stringField(parseVerifiedJson(body), 'event_id'),
      },
    }
  },

  sign({ secret, body, timestamp }) {
    const t = unixSeconds(timestamp)
    const mac = hmacSha256(secret, `v0:${t}:`, body).toString('hex')
    return { 'x-slack-signature': `${signaturePrefix}${mac}`, 'x-slack-request-timestamp': t }
  },
}
