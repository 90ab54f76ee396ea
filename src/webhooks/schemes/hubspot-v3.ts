/**
 * @module HubSpot, signature v3: `X-HubSpot-Signature-v3`, the base64 HMAC-SHA256 keyed with the app's client secret
 * over `{method}{URI}{raw body}{X-HubSpot-Request-Timestamp}`, no separators, the timestamp in milliseconds. The URI
 * is the full URL HubSpot called (`https://host/path?query`), with the percent-escapes HubSpot lists decoded first.
 *
 * HubSpot sends events in batches (a JSON array). The id for deduplication is the batch's `eventId`s joined with
 * commas, in the order sent: for the usual batch of one it is that event's `eventId`. Keeping only the first id
 * would drop the other events of a later batch that happened to start with the same one.
 * @see https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature
 */
import { parseVerifiedJson } from '../body.js'
import { soleHeaderValue } from '../headers.js'
import { hmacSha256 } from '../mac.js'
import { decodeBase64 } from '../signature-encoding.js'
import { parseUnixMilliseconds } from '../timestamp.js'
import { type ReadResult, refuse, type SchemeRequest, type WebhookSchemeDefinition } from './scheme.js'

// The escapes HubSpot decodes in the URI before signing (its "Validate the v3 request signature" table); any other
// escape, `%20` say, stays as it is.
const decodedEscapes: Readonly<Record<string, string>> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
}

/** The URI as HubSpot signs it: the listed escapes decoded, in either case of hex digit. */
export function hubspotSignedUri(url: string): string {
  return url.replace(
    /%([0-9A-Fa-f]{2})/g,
    (percentEscape, hex: string) => decodedEscapes[hex.toUpperCase()] ?? percentEscape,
  )
}

export const hubspotV3Scheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const signature = soleHeaderValue(request.header, 'x-hubspot-signature-v3', 'missing_signature')
    if ('reason' in signature) return refuse(signature.reason)
    const timestamp = soleHeaderValue(request.header, 'x-hubspot-request-timestamp', 'missing_timestamp')
    if ('reason' in timestamp) return refuse(timestamp.reason)
    // The header is base64 as sent: a space where a `+` was (mangled on the way) is malformed, never repaired.
    const mac = decodeBase64(signature.value)
    if (mac === undefined) return refuse('malformed_signature')
    const signedAt = parseUnixMilliseconds(timestamp.value)
    if (signedAt === undefined) return refuse('malformed_timestamp')
    if (request.url === undefined || request.url === '') return refuse('missing_url')

    const { body, method } = request
    const uri = hubspotSignedUri(request.url)
    return {
      ok: true,
      delivery: {
        signatures: [mac],
        signedAt,
        macFor: (secret) => hmacSha256(secret, method + uri, body, timestamp.value),
        eventId: () => batchEventId(parseVerifiedJson(body)),
      },
    }
  },

  sign({ secret, body, timestamp, url, method }) {
    if (url === undefined || url === '')
      throw new TypeError('signWebhook: hubspot-v3 signs the URL, so `url` is required')
    const t = String(timestamp.getTime())
    const mac = hmacSha256(secret, method + hubspotSignedUri(url), body, t).toString('base64')
    return { 'x-hubspot-signature-v3': mac, 'x-hubspot-request-timestamp': t }
  },
}

function batchEventId(payload: unknown): string | undefined {
  const events = Array.isArray(payload) ? payload : [payload]
  const ids: string[] = []
  for (const event of events) {
    const id = typeof event === 'object' && event !== null ? (event as { eventId?: unknown }).eventId : undefined
    if (typeof id !== 'number' && typeof id !== 'string') return undefined
    ids.push(String(id))
  }
  return ids.length === 0 ? undefined : ids.join(',')
}
