/**
 * GitHub. The token endpoint answers form-encoded unless asked for JSON, and reports errors with HTTP 200 and an
 * `error` field; PKCE (S256) is supported since July 2025.
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 */
import type { Provider } from '../provider.js'

export const github: Provider = {
  name: 'github',
  definition: {
    displayName: 'GitHub',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      clientAuth: 'client_secret_post',
      pkce: true,
      scopeSeparator: ' ',
      authorizeParams: {},
      tokenRequestHeaders: { accept: 'application/json' },
    },
    api: { baseUrl: 'https://api.github.com' },
    rateLimit: { requestsPerSecond: 1.3, burst: 10, per: 'connection' },
    webhooks: { scheme: 'github' },
  },
  hooks: {
    // GitHub answers a dead refresh token with `bad_refresh_token` (HTTP 200): the standard `invalid_grant` here.
    normalizeTokenResponse: (body) => (body.error === 'bad_refresh_token' ? { ...body, error: 'invalid_grant' } : body),
    // Deleting the app's grant revokes every token of the user for this app.
    // https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-authorization
    revocation: {
      prefers: 'access_token',
      request: ({ token, clientId, clientSecret }) => ({
        url: `https://api.github.com/applications/${encodeURIComponent(clientId)}/grant`,
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          accept: 'application/vnd.github+json',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ access_token: token }),
      }),
    },
  },
}
