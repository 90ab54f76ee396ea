/** @module The public types of `junction/webhooks`. */

/** Every signature scheme Junction verifies, as named in a provider's `webhooks.scheme`. */
export const webhookSchemes = ['stripe', 'slack', 'hubspot-v3', 'github', 'standard-webhooks', 'shopify'] as const

/** A signature scheme: `stripe`, `slack`, `hubspot-v3`, `github`, `standard-webhooks` or `shopify`. */
export type WebhookScheme = (typeof webhookSchemes)[number]

/**
 * Request headers as a web `Headers` object or a plain record (Node's `req.headers`, say). Names are matched
 * without regard to case. In a record, an array value, or two names differing only in case, is a repeated header.
 */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/** The body exactly as received: the raw bytes, or a string holding them decoded as UTF-8. Never a parsed object. */
export type WebhookBody = string | Uint8Array

export interface VerifyWebhookOptions {
  scheme: WebhookScheme
  /** The secrets in use; a signature made with any one is accepted (two while a secret is being rotated). */
  secrets: readonly string[]
  headers: WebhookHeaders
  /** The raw body. A body parsed and serialised again no longer matches its signature. */
  body: WebhookBody
  /**
   * The full URL the provider sent the request to, as the provider knows it (`hubspot-v3` signs it): the public
   * URL, not one rebuilt from `Host` behind a proxy. Required for `hubspot-v3`, unused by the other schemes.
   */
  url?: string
  /** The request's method (`hubspot-v3` signs it). @default 'POST' */
  method?: string
  /** How far a signed timestamp may be from `now`, in the past or the future. @default 300 */
  toleranceSeconds?: number
  /** The time to check timestamps against. @default new Date() */
  now?: Date
}

/** Why a delivery was refused: for logs and metrics, never for the sender. */
export type WebhookRefusalReason =
  | 'unknown_scheme'
  | 'invalid_options'
  | 'no_secret'
  | 'invalid_secret'
  | 'body_not_raw'
  | 'body_not_utf8'
  | 'missing_url'
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_id'
  | 'duplicate_header'
  | 'malformed_signature'
  | 'malformed_timestamp'
  | 'unknown_signature_version'
  | 'signature_mismatch'
  | 'timestamp_out_of_tolerance'
  | 'unexpected_error'

/** A delivery whose signature verified, with what deduplication needs. */
export interface WebhookVerified {
  ok: true
  /** The provider's id of the event or delivery, when the scheme carries one (see each scheme). */
  eventId: string | undefined
  /** When the provider signed the delivery; `undefined` for schemes without a timestamp (`github`, `shopify`). */
  timestamp: Date | undefined
}

export interface WebhookRefused {
  ok: false
  reason: WebhookRefusalReason
}

export type WebhookVerification = WebhookVerified | WebhookRefused

export interface SignWebhookOptions {
  scheme: WebhookScheme
  secret: string
  body: WebhookBody
  /** When the delivery is signed. @default new Date() */
  timestamp?: Date
  /** The URL the request goes to; required for `hubspot-v3`. */
  url?: string
  /** @default 'POST' */
  method?: string
  /**
   * The delivery or message id sent beside the signature (`webhook-id`, `X-GitHub-Delivery`,
   * `X-Shopify-Webhook-Id`). @default a random one
   */
  id?: string
}
