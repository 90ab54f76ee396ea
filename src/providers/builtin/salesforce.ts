/**
 * Salesforce. Each org has its own API host, given as `instance_url` in the token response; it becomes the
 * connection's metadata and fills `{instance_url}` in the API base URL, which must stay under Salesforce's domains.
 * @see https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 */
import type { Provider } from '../provider.js'

export const salesforce: Provider = {
  name: 'salesforce',
  definition: {
    displayName: 'Salesforce',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://login.salesforce.com/services/oauth2/authorize',
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
      revokeUrl: 'https://login.salesforce.com/services/oauth2/revoke',
      clientAuth: 'client_secret_post',
      pkce: true,
      scopeSeparator: ' ',
      authorizeParams: {},
      tokenRequestHeaders: {},
    },
    api: { baseUrl: '{instance_url}/services/data/v62.0', allowedHosts: ['*.my.salesforce.com', '*.salesforce.com'] },
    rateLimit: { requestsPerSecond: 5, burst: 5, per: 'connection' },
  },
  hooks: {
    accountFacts(body) {
      const metadata: Record<string, string> = {}
      if (typeof body.instance_url === 'string') metadata.instance_url = body.instance_url
      // `id` is the identity URL .../id/<org id>/<user id>.
      const identity = typeof body.id === 'string' ? body.id.split('/').slice(-2) : []
      return { providerAccountId: identity.length === 2 ? identity.join('/') : undefined, metadata }
    },
  },
}
