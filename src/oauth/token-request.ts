/**
 * @module The exact request sent to a token endpoint: grant parameters as a form, and client authentication as a
 * tiny strategy per style.
 * @see RFC 6749 §2.3.1 (client password), §4.1.3 (code), §6 (refresh), §4.4 (client credentials)
 */

import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import type { OutboundRequest } from '../providers/provider.js'

export type TokenGrant =
  | { type: 'authorization_code'; code: string; redirectUri: string; codeVerifier: string | undefined }
  | { type: 'refresh_token'; refreshToken: string }
  | { type: 'client_credentials' }

export interface TokenRequest {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
}

type ClientAuthentication = (form: URLSearchParams, headers: Record<string, string>, id: string, secret: string) => void

const clientAuthentication: Record<'client_secret_basic' | 'client_secret_post', ClientAuthentication> = {
  // RFC 6749 §2.3.1: both parts form-urlencoded before base64, so a secret with ':' or '%' survives.
  client_secret_basic: (_form, headers, id, secret) => {
    headers.authorization = `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`
  },
  client_secret_post: (form, _headers, id, secret) => {
    form.set('client_id', id)
    form.set('client_secret', secret)
  },
}

export function buildTokenRequest(integration: ResolvedIntegration, grant: TokenGrant): TokenRequest {
  const auth = integration.definition.auth
  if (auth.type !== 'oauth2' && auth.type !== 'oauth2_client_credentials') {
    throw new JunctionError('not_token_based', `integration ${integration.id} does not use OAuth`)
  }
  const { clientId, clientSecret } = integration
  if (clientId === undefined || clientSecret === undefined) {
    throw new JunctionError('invalid_request', `integration ${integration.id} has no client credentials`)
  }
  const form = new URLSearchParams({ grant_type: grant.type })
  if (grant.type === 'authorization_code') {
    form.set('code', grant.code)
    form.set('redirect_uri', grant.redirectUri)
    if (grant.codeVerifier !== undefined) form.set('code_verifier', grant.codeVerifier)
  } else if (grant.type === 'refresh_token') {
    form.set('refresh_token', grant.refreshToken)
  } else if (integration.scopes.length > 0) {
    form.set('scope', integration.scopes.join(auth.scopeSeparator))
  }
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(auth.type === 'oauth2' ? lowerCase(auth.tokenRequestHeaders) : {}),
  }
  clientAuthentication[auth.clientAuth](form, headers, clientId, clientSecret)
  return { url: auth.tokenUrl, method: 'POST', headers, body: form.toString() }
}

export type TokenKind = 'refresh_token' | 'access_token'

/**
 * Which of a connection's tokens to revoke by: the refresh token when the provider takes it (revoking it ends the
 * access tokens of the grant too), unless the provider's own revocation works by the access token.
 */
export function revocationToken(
  integration: ResolvedIntegration,
  tokens: { accessToken: string; refreshToken: string | undefined },
): { token: string; kind: TokenKind } {
  const prefers = integration.hooks.revocation?.prefers ?? 'refresh_token'
  if (prefers === 'refresh_token' && tokens.refreshToken !== undefined)
    return { token: tokens.refreshToken, kind: 'refresh_token' }
  return { token: tokens.accessToken, kind: 'access_token' }
}

/**
 * The request that revokes a token: the provider's own (a hook) or RFC 7009's (the token, its kind as a hint, and
 * the same client authentication as the token endpoint). Undefined when the provider cannot revoke.
 * @see RFC 7009 §2.1
 */
export function buildRevocationRequest(
  integration: ResolvedIntegration,
  token: string,
  kind: TokenKind,
  providerAccountId: string | null,
): OutboundRequest | undefined {
  const { clientId, clientSecret } = integration
  if (clientId === undefined || clientSecret === undefined) return undefined
  const hook = integration.hooks.revocation
  if (hook !== undefined) return hook.request({ token, clientId, clientSecret, providerAccountId })
  const auth = integration.definition.auth
  if (auth.type !== 'oauth2' || auth.revokeUrl === undefined) return undefined
  const form = new URLSearchParams({ token, token_type_hint: kind })
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  clientAuthentication[auth.clientAuth](form, headers, clientId, clientSecret)
  return { url: auth.revokeUrl, method: 'POST', headers, body: form.toString() }
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}
