/**
 * HubSpot. Rate limits are announced in `X-HubSpot-RateLimit-*` headers; access tokens live 30 minutes.
 * @see https://developers.hubspot.com/docs/api/oauth-quickstart-guide
 */
import type { Provider } from '../provider.js'

export const hubspot: Provider = {
  name: 'hubspot',
  definition: {
    displayName: 'HubSpot',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
      tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
      clientAuth: 'client_secret_post',
      pkce: false,
      scopeSeparator: ' ',
      authorizeParams: {},
      tokenRequestHeaders: {},
    },
    api: { baseUrl: 'https://api.hubapi.com' },
    rateLimit: { requestsPerSecond: 10, burst: 10, per: 'connection' },
    // CRM lists and searches answer `{ results, paging: { next: { after } } }`; `after` goes back in the query of a
    // list and in the JSON body of a search. https://developers.hubspot.com/docs/api/crm/search
    pagination: { style: 'cursor', nextCursor: 'paging.next.after', cursorParam: 'after', items: 'results' },
    // A delivery is a JSON array of events (up to 100), each naming its account as `portalId`: the first one's.
    // https://developers.hubspot.com/docs/api/webhooks
    webhooks: { scheme: 'hubspot-v3', accountIdPath: '0.portalId' },
  },
  hooks: {
    // https://developers.hubspot.com/docs/api/oauth/tokens (delete a refresh token)
    revocation: {
      prefers: 'refresh_token',
      request: ({ token }) => ({
        url: `https://api.hubapi.com/oauth/v1/refresh-tokens/${encodeURIComponent(token)}`,
        method: 'DELETE',
        headers: {},
        body: undefined,
      }),
    },
  },
}
