/**
 * @module An integration with its provider's definition, the integration's overrides applied (a staging host, the
 * sandbox), ready for the OAuth flow and the proxy.
 */

import { JunctionError } from '../core/errors.js'
import { isIntegrationId } from '../core/ids.js'
import type { ProviderDefinition } from '../providers/definition.js'
import type { Provider, ProviderHooks } from '../providers/provider.js'
import type { IntegrationOptions } from './config.js'

export interface ResolvedIntegration {
  readonly id: string
  readonly provider: string
  readonly definition: ProviderDefinition
  readonly hooks: ProviderHooks
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
  readonly apiKey: string | undefined
  /** Secrets the provider's webhooks may be signed with; empty when the integration takes no webhooks. */
  readonly webhookSecrets: readonly string[]
  readonly scopes: readonly string[]
  /** Every GET through the integration uses the response cache (else only calls that ask, `Junction-Cache: on`). */
  readonly cache?: boolean
}

/** The integration named `id`: `invalid_request` for a malformed id, `integration_not_found` for an unknown one. */
export function requireIntegration(
  integrations: ReadonlyMap<string, ResolvedIntegration>,
  id: string,
): ResolvedIntegration {
  if (!isIntegrationId(id))
    throw new JunctionError('invalid_request', 'an integration id matches ^[a-z][a-z0-9_-]{0,63}$')
  const integration = integrations.get(id)
  if (integration === undefined) throw new JunctionError('integration_not_found', `no integration is named ${id}`)
  return integration
}

export function resolveIntegration(
  integration: IntegrationOptions,
  providers: ReadonlyMap<string, Provider>,
): ResolvedIntegration {
  const provider = providers.get(integration.provider)
  if (provider === undefined) {
    throw new JunctionError('integration_not_found', `integration ${integration.id} names an unknown provider`)
  }
  const { auth = {}, api = {}, rateLimit } = integration.overrides
  const base = provider.definition
  let resolvedAuth = base.auth
  if (resolvedAuth.type === 'oauth2') {
    const { revokeUrl = resolvedAuth.revokeUrl, issuer = resolvedAuth.issuer } = auth
    resolvedAuth = {
      ...resolvedAuth,
      authorizeUrl: auth.authorizeUrl ?? resolvedAuth.authorizeUrl,
      tokenUrl: auth.tokenUrl ?? resolvedAuth.tokenUrl,
      ...(revokeUrl === undefined ? {} : { revokeUrl }),
      ...(issuer === undefined ? {} : { issuer }),
    }
  } else if (resolvedAuth.type === 'oauth2_client_credentials') {
    resolvedAuth = { ...resolvedAuth, tokenUrl: auth.tokenUrl ?? resolvedAuth.tokenUrl }
  }
  const allowedHosts = api.allowedHosts ?? base.api.allowedHosts
  const definition: ProviderDefinition = {
    ...base,
    auth: resolvedAuth,
    api: { baseUrl: api.baseUrl ?? base.api.baseUrl, ...(allowedHosts === undefined ? {} : { allowedHosts }) },
    ...(rateLimit === undefined ? {} : { rateLimit }),
  }
  return {
    id: integration.id,
    provider: provider.name,
    definition,
    hooks: provider.hooks,
    clientId: integration.clientId,
    clientSecret: integration.clientSecret,
    apiKey: integration.apiKey,
    webhookSecrets: integration.webhookSecrets,
    scopes: integration.scopes,
    cache: integration.cache ?? false,
  }
}
