/**
 * @module Reading a token endpoint's answer, whatever the provider's quirks, into one shape.
 * @see RFC 6749 §5.1 (successful response), §5.2 (error response)
 */

import type { ResolvedIntegration } from '../config/resolve-integration.js'
import type { StandardTokenResponse } from '../providers/provider.js'

export interface TokenSet {
  accessToken: string
  /** Absent when the provider sent none (then a refresh keeps the old one). */
  refreshToken: string | undefined
  tokenType: string
  expiresAt: Date | undefined
  scopes: string[] | undefined
  providerAccountId: string | undefined
  metadata: Record<string, string>
  /** The whole (normalized) response, kept sealed with the tokens. */
  raw: StandardTokenResponse
}

export type TokenResponseOutcome =
  | { ok: true; tokens: TokenSet }
  | { ok: false /** The OAuth error code (`invalid_grant`, …) or one of ours. */; error: string; status: number }

export interface RawTokenResponse {
  status: number
  contentType: string | undefined
  /** The body as text, or already parsed (the HTTP client parses JSON). */
  body: unknown
}

export function readTokenResponse(
  integration: ResolvedIntegration,
  response: RawTokenResponse,
  now: Date,
): TokenResponseOutcome {
  const parsed = parseBody(response)
  if (parsed === undefined) return { ok: false, error: 'invalid_token_response', status: response.status }
  const body = integration.hooks.normalizeTokenResponse?.(parsed) ?? parsed
  // Some providers (GitHub, Slack) report errors with HTTP 200 and an `error` field.
  if (typeof body.error === 'string' && body.error !== '')
    return { ok: false, error: safeErrorCode(body.error, 'invalid_error_code'), status: response.status }
  if (response.status >= 400) return { ok: false, error: 'server_error', status: response.status }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    return { ok: false, error: 'invalid_token_response', status: response.status }
  }
  const facts = integration.hooks.accountFacts?.(body) ?? {}
  const expiresIn = Number(body.expires_in)
  return {
    ok: true,
    tokens: {
      accessToken: body.access_token,
      refreshToken:
        typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined,
      tokenType: typeof body.token_type === 'string' ? body.token_type : 'bearer',
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now.getTime() + expiresIn * 1000) : undefined,
      scopes: typeof body.scope === 'string' ? body.scope.split(/[\s,]+/).filter((scope) => scope !== '') : undefined,
      providerAccountId: facts.providerAccountId,
      metadata: facts.metadata ?? {},
      raw: body,
    },
  }
}

function parseBody(response: RawTokenResponse): Record<string, unknown> | undefined {
  if (response.body instanceof Uint8Array)
    return parseBody({ ...response, body: Buffer.from(response.body).toString('utf8') })
  if (typeof response.body !== 'string') {
    const body = response.body
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined
  }
  const type = (response.contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(response.body))
  const text = response.body
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    // GitHub answers form-encoded when it was not asked for JSON, even with another content type.
    return /^[\w.-]+=/.test(text) ? Object.fromEntries(new URLSearchParams(text)) : undefined
  }
}

/**
 * An error code from a provider as providers actually send them (`invalid_grant`, `bad_verification_code`): a short
 * word. RFC 6749 §5.2 allows more punctuation, but a code goes into URLs, logs and pages, so anything else is
 * replaced by `fallback`.
 */
export function safeErrorCode(code: string, fallback: string): string {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : fallback
}
