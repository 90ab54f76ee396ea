/**
 * @module What each scheme file provides. A scheme only reads: it pulls the signatures, the timestamp and the signed
 * content out of a request. Comparing MACs, trying each secret and checking the time window are done once, for all
 * schemes, in `verify-webhook.ts`.
 */
import type { HeaderReader } from '../headers.js'
import type { WebhookRefusalReason } from '../types.js'

export interface SchemeRequest {
  header: HeaderReader
  body: Uint8Array
  url: string | undefined
  method: string
}

/** A delivery as the provider signed it, not yet verified. */
export interface SignedDelivery {
  /** The MACs the sender attached, decoded; any one matching is enough. */
  signatures: readonly Uint8Array[]
  /** When the sender signed; `undefined` for schemes without a timestamp. */
  signedAt: Date | undefined
  /** The MAC that `secret` gives for this delivery, or `undefined` when the secret cannot be used with the scheme. */
  macFor(secret: string): Uint8Array | undefined
  /** The provider's event or delivery id. Called only once a MAC matched, so it may parse the body. */
  eventId(): string | undefined
}

export type ReadResult = { ok: true; delivery: SignedDelivery } | { ok: false; reason: WebhookRefusalReason }

export interface SchemeSigningInput {
  secret: string
  body: Uint8Array
  timestamp: Date
  url: string | undefined
  method: string
  /** The delivery id to send, when the scheme sends one; each scheme makes a random one otherwise. */
  id: string | undefined
}

export interface WebhookSchemeDefinition {
  read(request: SchemeRequest): ReadResult
  /** The headers the provider would send with this body (lower-case names). Throws on input it cannot sign. */
  sign(input: SchemeSigningInput): Record<string, string>
}

export function refuse(reason: WebhookRefusalReason): { ok: false; reason: WebhookRefusalReason } {
  return { ok: false, reason }
}

/** Seconds since the epoch, as providers that sign seconds write them. */
export function unixSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000))
}
