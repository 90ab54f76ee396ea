/**
 * The sandbox: Junction's own offline provider, served under `${publicUrl}/sandbox` in development. A real OAuth 2.0
 * server (authorization code with PKCE, rotating refresh tokens, revocation) in front of a small API.
 */
import type { Provider } from '../provider.js'

export function sandboxProvider(publicUrl: string): Provider {
  const base = `${publicUrl.replace(/\/+$/, '')}/sandbox`
  return {
    name: 'sandbox',
    definition: {
      displayName: 'Sandbox',
      auth: {
        type: 'oauth2',
        authorizeUrl: `${base}/oauth/authorize`,
        tokenUrl: `${base}/oauth/token`,
        revokeUrl: `${base}/oauth/revoke`,
        clientAuth: 'client_secret_basic',
        pkce: true,
        scopeSeparator: ' ',
        authorizeParams: {},
        tokenRequestHeaders: {},
      },
      api: { baseUrl: `${base}/api` },
      rateLimit: { requestsPerSecond: 10, burst: 10, per: 'connection' },
      idempotency: { header: 'Idempotency-Key' },
      // Its webhooks name the account as `account_id`, as its token response does.
      webhooks: { scheme: 'standard-webhooks', accountIdPath: 'account_id' },
    },
    hooks: {
      accountFacts: (body) => ({
        providerAccountId: typeof body.account_id === 'string' ? body.account_id : undefined,
      }),
    },
  }
}
