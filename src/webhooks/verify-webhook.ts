/**
 * @module Verifies a provider's webhook delivery: the signature over the raw body with each configured secret, then
 * the signed timestamp's window. Never throws: every way of failing is `{ ok: false, reason }`, and the body is not
 * parsed until a MAC matched.
 */
import { bodyBytes } from './body.js'
import { headerReader } from './headers.js'
import { macsEqual } from './mac.js'
import { schemeNamed } from './schemes/index.js'
import type { SignedDelivery } from './schemes/scheme.js'
import { withinTolerance } from './timestamp.js'
import type { VerifyWebhookOptions, WebhookRefusalReason, WebhookRefused, WebhookVerification } from './types.js'

/** How far a signed timestamp may be from now, either way, unless told otherwise: the providers' own default. */
export const defaultToleranceSeconds = 300

/**
 * Checks that a webhook delivery was signed by the provider with one of `secrets`, on these exact bytes, within
 * the time window. The `reason` of a refusal is for logs: answer the sender the same way whatever it is.
 *
 * @example
 * const result = verifyWebhook({
 *   scheme: 'stripe',
 *   secrets: [process.env.STRIPE_WEBHOOK_SECRET!],
 *   headers: request.headers,
 *   body: new Uint8Array(await request.arrayBuffer()),
 * })
 * if (!result.ok) return new Response(null, { status: 401 })
 * // result.eventId: deduplicate on it before acting on the event
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookVerification {
  try {
    return verifyOrRefuse(options)
  } catch {
    // Defence in depth: no input should get here, and if one does it is refused, never let through.
    return refused('unexpected_error')
  }
}

function verifyOrRefuse(options: VerifyWebhookOptions): WebhookVerification {
  const scheme = schemeNamed(options.scheme)
  if (scheme === undefined) return refused('unknown_scheme')
  const toleranceSeconds = options.toleranceSeconds ?? defaultToleranceSeconds
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) return refused('invalid_options')
  // An empty secret is a MAC anyone can compute: it is never used.
  const secrets = options.secrets.filter((secret) => typeof secret === 'string' && secret !== '')
  if (secrets.length === 0) return refused('no_secret')
  const body = bodyBytes(options.body)
  if (body === undefined) return refused('body_not_raw')

  const read = scheme.read({
    header: headerReader(options.headers),
    body,
    url: options.url,
    method: options.method ?? 'POST',
  })
  if (!read.ok) return read
  const { delivery } = read

  const matched = matchSecrets(delivery, secrets)
  if (matched !== 'matched') return refused(matched)
  if (
    delivery.signedAt !== undefined &&
    !withinTolerance(delivery.signedAt, options.now ?? new Date(), toleranceSeconds)
  ) {
    return refused('timestamp_out_of_tolerance')
  }
  return { ok: true, eventId: delivery.eventId(), timestamp: delivery.signedAt }
}

/** Tries every secret against every signature sent (rotation: old and new both valid while both are configured). */
function matchSecrets(delivery: SignedDelivery, secrets: readonly string[]): 'matched' | WebhookRefusalReason {
  let anySecretUsable = false
  for (const secret of secrets) {
    const expected = delivery.macFor(secret)
    if (expected === undefined) continue
    anySecretUsable = true
    if (delivery.signatures.some((received) => macsEqual(received, expected))) return 'matched'
  }
  return anySecretUsable ? 'signature_mismatch' : 'invalid_secret'
}

function refused(reason: WebhookRefusalReason): WebhookRefused {
  return { ok: false, reason }
}
