/**
 * Microsoft identity platform (Entra ID, v2 endpoints) for Microsoft Graph. A refresh token needs the
 * `offline_access` scope; there is no revocation endpoint. The id token's `oid` names the user.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */
import { claimsOf } from '../id-token.js'
import type { Provider } from '../provider.js'

export const microsoft: Provider = {
  name: 'microsoft',
  definition: {
    displayName: 'Microsoft',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      clientAuth: 'client_secret_post',
      pkce: true,
      scopeSeparator: ' ',
      authorizeParams: {},
      tokenRequestHeaders: {},
    },
    api: { baseUrl: 'https://graph.microsoft.com/v1.0' },
    rateLimit: { requestsPerSecond: 10, burst: 10, per: 'connection' },
  },
  hooks: {
    accountFacts(body) {
      const claims = claimsOf(body.id_token)
      return { providerAccountId: claims?.oid, metadata: claims?.tid === undefined ? {} : { tenantId: claims.tid } }
    },
  },
}
