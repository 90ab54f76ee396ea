/**
 * @module A provider as the rest of Junction sees it: its definition (data, validated by the same schema as custom
 * providers) and, for built-in providers with quirks, a few named hooks. No code outside `providers/` switches on a
 * provider's name.
 */
import type { ProviderDefinition } from './definition.js'

/** A token endpoint's answer, in the standard shape of RFC 6749 §5.1, once a provider's quirks are undone. */
export interface StandardTokenResponse {
  access_token?: unknown
  refresh_token?: unknown
  expires_in?: unknown
  token_type?: unknown
  scope?: unknown
  error?: unknown
  error_description?: unknown
  [field: string]: unknown
}

/** What a token response says about the account, beyond the tokens. */
export interface AccountFacts {
  /** The account at the provider (Slack team, Stripe account, Google subject), used to route webhooks. */
  providerAccountId?: string | undefined
  /** Non-secret facts kept on the connection (Salesforce's `instance_url`, say). */
  metadata?: Record<string, string> | undefined
}

/** An HTTP request a hook asks Junction to send. */
export interface OutboundRequest {
  url: string
  method: 'POST' | 'DELETE'
  headers: Record<string, string>
  body: string | undefined
}

export interface RevocationContext {
  token: string
  clientId: string
  clientSecret: string
  providerAccountId: string | null
}

/** Revocation for providers without a standard (RFC 7009) endpoint. */
export interface RevocationHook {
  /** Which token the provider revokes by. */
  prefers: 'access_token' | 'refresh_token'
  request(context: RevocationContext): OutboundRequest
}

export interface ProviderHooks {
  revocation?: RevocationHook
  /** Undoes a provider's own token-response shape (Slack nests user tokens and flags errors with `ok: false`). */
  normalizeTokenResponse?(body: Record<string, unknown>): StandardTokenResponse
  /** Reads the account id and metadata out of a (normalized) token response. */
  accountFacts?(body: StandardTokenResponse): AccountFacts
  /**
   * A verified webhook that only asks the endpoint to prove it is there (Slack's `url_verification`): the value to
   * answer with, and nothing is stored. `undefined` for an ordinary event.
   */
  webhookChallenge?(body: unknown): string | undefined
}

export interface Provider {
  readonly name: string
  readonly definition: ProviderDefinition
  readonly hooks: ProviderHooks
}
