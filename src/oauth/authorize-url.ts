/** @module The URL that sends an end user's browser to the provider's consent page. @see RFC 6749 §4.1.1 */

import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'

export interface AuthorizeRequest {
  redirectUri: string
  state: string
  /** The S256 challenge, when the provider uses PKCE. */
  codeChallenge: string | undefined
}

export function buildAuthorizeUrl(integration: ResolvedIntegration, request: AuthorizeRequest): URL {
  const auth = integration.definition.auth
  if (auth.type !== 'oauth2')
    throw new JunctionError('not_token_based', `integration ${integration.id} does not use OAuth`)
  if (integration.clientId === undefined)
    throw new JunctionError('invalid_request', `integration ${integration.id} has no clientId`)
  const url = new URL(auth.authorizeUrl)
  const params = url.searchParams
  // The provider's extra parameters first: they can never replace state, redirect_uri or PKCE.
  for (const [name, value] of Object.entries(auth.authorizeParams)) params.set(name, value)
  params.set('response_type', 'code')
  params.set('client_id', integration.clientId)
  params.set('redirect_uri', request.redirectUri)
  if (integration.scopes.length > 0) params.set('scope', integration.scopes.join(auth.scopeSeparator))
  params.set('state', request.state)
  if (auth.pkce && request.codeChallenge !== undefined) {
    params.set('code_challenge', request.codeChallenge)
    params.set('code_challenge_method', 'S256')
  }
  return url
}
