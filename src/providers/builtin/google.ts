/**
 * Google. A refresh token is issued only with `access_type=offline`, and issued again only with `prompt=consent`.
 * The id token's `sub` names the account. No `issuer` is set: an issuer makes `iss` mandatory in the callback
 * (RFC 9207), and Google's authorization responses are not documented to carry it; set `auth.issuer` on the
 * integration to require it.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
import { subjectOfIdToken } from '../id-token.js'
import type { Provider } from '../provider.js'

export const google: Provider = {
  name: 'google',
  definition: {
    displayName: 'Google',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      revokeUrl: 'https://oauth2.googleapis.com/revoke',
      clientAuth: 'client_secret_post',
      pkce: true,
      scopeSeparator: ' ',
      authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
      tokenRequestHeaders: {},
    },
    api: { baseUrl: 'https://www.googleapis.com' },
    rateLimit: { requestsPerSecond: 10, burst: 10, per: 'connection' },
    // Google's list methods take `pageToken` and answer `nextPageToken` (absent on the last page), items in `items`.
    // https://developers.google.com/workspace/calendar/api/guides/pagination
    pagination: { style: 'cursor', nextCursor: 'nextPageToken', cursorParam: 'pageToken', items: 'items' },
  },
  hooks: {
    accountFacts: (body) => ({ providerAccountId: subjectOfIdToken(body.id_token) }),
  },
}
