/**
 * @module The sandbox provider as one Hono app: its OAuth server under `/oauth`, its API under `/api`, and the same
 * tokens' Slack- and HubSpot-shaped APIs under `/slack/api` and `/hubspot`. The hub
 * mounts it at `/sandbox` in development; `junction sandbox` serves it alone.
 */
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import type { SandboxConfig } from '../config/sandbox-config.js'
import { sandboxApiRoutes } from './sandbox-api.js'
import { sandboxHubSpotRoutes } from './sandbox-hubspot.js'
import { type GrantRegistry, sandboxOAuthRoutes } from './sandbox-oauth.js'
import type { SandboxOptions } from './sandbox-options.js'
import { sandboxSlackRoutes } from './sandbox-slack.js'
import { createSandboxTokens } from './sandbox-tokens.js'
import type { SandboxWebhookTarget } from './sandbox-webhooks.js'

export const sandboxClientId = 'junction-sandbox'

/** The sandbox's client credentials, derived from its secret (so the hub's `sandbox` integration can use them). */
export function sandboxClient(secret: Buffer): { clientId: string; clientSecret: string } {
  return {
    clientId: sandboxClientId,
    clientSecret: createHmac('sha256', secret).update('client-secret').digest('base64url'),
  }
}

/**
 * The secret the sandbox signs its webhooks with (Standard Webhooks: `whsec_` and 32 bytes in base64), derived from
 * its own secret so that the hub's `sandbox` integration verifies them with no set-up, across restarts.
 */
export function sandboxWebhookSecret(secret: Buffer): string {
  return `whsec_${createHmac('sha256', secret).update('webhook-secret').digest('base64')}`
}

/**
 * @param hubCallback the callback of the hub that mounts the sandbox: then the only redirect URI accepted
 * @param webhooks where the sandbox sends its webhooks (the hub's `/webhooks/sandbox`); none are sent without it
 */
export function createSandboxApp(
  secret: Buffer,
  config: SandboxConfig,
  hubCallback?: string,
  random?: () => number,
  webhooks?: SandboxWebhookTarget,
): Hono {
  const options: SandboxOptions = {
    secret,
    config,
    redirectUris: hubCallback !== undefined ? [hubCallback] : config.redirectUris,
    ...sandboxClient(secret),
    ...(random === undefined ? {} : { random }),
    webhooks,
  }
  const tokens = createSandboxTokens(secret)
  const grants: GrantRegistry = { revokedGrants: new Set(), usedRefreshTokens: new Set() }
  return new Hono()
    .route('/oauth', sandboxOAuthRoutes(options, tokens, grants))
    .route('/api', sandboxApiRoutes(options, tokens, grants))
    .route('/slack/api', sandboxSlackRoutes(options, tokens, grants))
    .route('/hubspot', sandboxHubSpotRoutes(options, tokens, grants))
}
