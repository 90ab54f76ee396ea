/**
 * @module The sandbox provider as one Hono app: its OAuth server under `/oauth` and its API under `/api`. The hub
 * mounts it at `/sandbox` in development; `junction sandbox` serves it alone.
 */
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import { sandboxApiRoutes } from './sandbox-api.js'
import { type GrantRegistry, sandboxOAuthRoutes } from './sandbox-oauth.js'
import type { SandboxConfig, SandboxOptions } from './sandbox-options.js'
import { createSandboxTokens } from './sandbox-tokens.js'

export const sandboxClientId = 'junction-sandbox'

/** The sandbox's client credentials, derived from its secret (so the hub's `sandbox` integration can use them). */
export function sandboxClient(secret: Buffer): { clientId: string; clientSecret: string } {
  return {
    clientId: sandboxClientId,
    clientSecret: createHmac('sha256', secret).update('client-secret').digest('base64url'),
  }
}

/** @param hubCallback the callback of the hub that mounts the sandbox: then the only redirect URI accepted */
export function createSandboxApp(
  secret: Buffer,
  config: SandboxConfig,
  hubCallback?: string,
  random?: () => number,
): Hono {
  const options: SandboxOptions = {
    secret,
    config,
    redirectUris: hubCallback !== undefined ? [hubCallback] : config.redirectUris,
    ...sandboxClient(secret),
    ...(random === undefined ? {} : { random }),
  }
  const tokens = createSandboxTokens(secret)
  const grants: GrantRegistry = { revokedGrants: new Set(), usedRefreshTokens: new Set() }
  return new Hono()
    .route('/oauth', sandboxOAuthRoutes(options, tokens, grants))
    .route('/api', sandboxApiRoutes(options, tokens, grants))
}
