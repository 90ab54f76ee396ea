/**
 * @module Credentials of app-level integrations, which need no connection and no user: the integration's own API
 * key, or an `oauth2_client_credentials` token fetched once per integration (single-flight) and kept in memory until
 * it nears expiry. Each process fetches its own; a client-credentials grant has no rotation to race on.
 */

import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import type { HttpClient } from '../http/client.js'
import { callTokenEndpoint } from '../oauth/token-endpoint.js'
import { needsRefresh, type RefreshTiming } from './refresh-policy.js'

export type AppCredential =
  | { kind: 'api_key'; apiKey: string }
  | { kind: 'oauth2'; accessToken: string; tokenType: string; expiresAt: Date | null }

export interface AppCredentials {
  /** The integration's credential; `integration_not_found` for integrations that are not app-level. */
  get(integration: ResolvedIntegration): Promise<AppCredential>
}

interface CachedToken {
  credential: AppCredential & { kind: 'oauth2' }
  issuedAt: Date
}

export function isAppLevel(integration: ResolvedIntegration): boolean {
  return integration.apiKey !== undefined || integration.definition.auth.type === 'oauth2_client_credentials'
}

export function createAppCredentials(deps: {
  http: HttpClient
  timing: RefreshTiming
  tokenTimeoutMs: number
}): AppCredentials {
  const cache = new Map<string, CachedToken>()
  const inFlight = new Map<string, Promise<CachedToken>>()
  const failedUntil = new Map<string, number>()
  const stillValid = (cached: CachedToken) =>
    cached.credential.expiresAt === null || cached.credential.expiresAt.getTime() > Date.now()

  async function fetchToken(integration: ResolvedIntegration): Promise<CachedToken> {
    const issuedAt = new Date()
    const outcome = await callTokenEndpoint(
      deps.http,
      integration,
      { type: 'client_credentials' },
      { timeoutMs: deps.tokenTimeoutMs },
    )
    if (!outcome.ok) {
      throw new JunctionError(
        outcome.error === 'timeout' ? 'timeout' : 'refresh_failed',
        `the token endpoint of ${integration.id} refused (${outcome.error})`,
      )
    }
    const cached = {
      credential: {
        kind: 'oauth2' as const,
        accessToken: outcome.tokens.accessToken,
        tokenType: outcome.tokens.tokenType,
        expiresAt: outcome.tokens.expiresAt ?? null,
      },
      issuedAt,
    }
    cache.set(integration.id, cached)
    return cached
  }

  return {
    async get(integration) {
      if (integration.apiKey !== undefined) return { kind: 'api_key', apiKey: integration.apiKey }
      if (integration.definition.auth.type !== 'oauth2_client_credentials') {
        throw new JunctionError('integration_not_found', `integration ${integration.id} is not app-level: name a user`)
      }
      const cached = cache.get(integration.id)
      if (
        cached !== undefined &&
        !needsRefresh(cached.credential.expiresAt, cached.issuedAt, new Date(), deps.timing)
      ) {
        return cached.credential
      }
      if ((failedUntil.get(integration.id) ?? 0) > Date.now()) {
        if (cached !== undefined && stillValid(cached)) return cached.credential
        throw new JunctionError(
          'refresh_failed',
          `the token endpoint of ${integration.id} failed recently; trying again shortly`,
        )
      }
      let running = inFlight.get(integration.id)
      if (running === undefined) {
        running = fetchToken(integration).finally(() => inFlight.delete(integration.id))
        inFlight.set(integration.id, running)
      }
      try {
        return (await running).credential
      } catch (error) {
        // The token endpoint is not asked again for a cool-down, the first of a failing refresh (a still-valid token
        // is used meanwhile).
        failedUntil.set(integration.id, Date.now() + deps.timing.cooldownBaseMs)
        // A token that has not expired yet is still good to use.
        if (cached !== undefined && stillValid(cached)) return cached.credential
        throw error
      }
    },
  }
}
