/**
 * @module Calling a provider's token endpoint: one attempt (an authorization code is single-use, and a rotating
 * refresh token must not be sent twice), a hard timeout, the egress rules, no redirects.
 */

import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { isJunctionError } from '../core/errors.js'
import type { HttpClient } from '../http/client.js'
import { isHttpError } from '../http/http-error.js'
import { buildTokenRequest, type TokenGrant } from './token-request.js'
import { readTokenResponse, type TokenResponseOutcome } from './token-response.js'

/** A token endpoint outcome, or a failure to reach it at all (transient: try again later). */
export type TokenEndpointOutcome = TokenResponseOutcome | { ok: false; error: 'network_error' | 'timeout'; status: 0 }

export async function callTokenEndpoint(
  http: HttpClient,
  integration: ResolvedIntegration,
  grant: TokenGrant,
  options: { timeoutMs: number; now?: () => Date },
): Promise<TokenEndpointOutcome> {
  const request = buildTokenRequest(integration, grant)
  const now = options.now ?? (() => new Date())
  try {
    const response = await http.request({
      method: 'POST',
      path: request.url,
      headers: request.headers,
      body: request.body,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.timeoutMs,
    })
    return readTokenResponse(
      integration,
      { status: response.status, contentType: response.headers['content-type'], body: response.data },
      now(),
    )
  } catch (error) {
    if (isHttpError(error)) {
      return readTokenResponse(
        integration,
        { status: error.status, contentType: error.headers['content-type'], body: error.data },
        now(),
      )
    }
    if (isJunctionError(error) && error.code === 'egress_blocked') throw error
    return {
      ok: false,
      error: isJunctionError(error) && error.code === 'timeout' ? 'timeout' : 'network_error',
      status: 0,
    }
  }
}
