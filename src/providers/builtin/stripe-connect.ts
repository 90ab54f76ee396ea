/**
 * Stripe Connect (OAuth for connected accounts). The client secret is the platform's secret key; the token response
 * names the connected account as `stripe_user_id`.
 * @see https://docs.stripe.com/connect/oauth-reference
 */
import type { Provider } from '../provider.js'

export const stripeConnect: Provider = {
  name: 'stripe-connect',
  definition: {
    displayName: 'Stripe Connect',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://connect.stripe.com/oauth/authorize',
      tokenUrl: 'https://connect.stripe.com/oauth/token',
      clientAuth: 'client_secret_post',
      pkce: false,
      scopeSeparator: ' ',
      authorizeParams: {},
      tokenRequestHeaders: {},
    },
    api: { baseUrl: 'https://api.stripe.com' },
    rateLimit: { requestsPerSecond: 25, burst: 25, per: 'connection' },
    idempotency: { header: 'Idempotency-Key' },
    // Events of connected accounts name the account as `account`. https://docs.stripe.com/connect/webhooks
    webhooks: { scheme: 'stripe', accountIdPath: 'account' },
  },
  hooks: {
    // Deauthorizing disconnects the account from the platform; it names the account, not a token.
    // https://docs.stripe.com/connect/oauth-reference#post-deauthorize
    revocation: {
      prefers: 'access_token',
      request: ({ clientId, clientSecret, providerAccountId }) => ({
        url: 'https://connect.stripe.com/oauth/deauthorize',
        method: 'POST',
        headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, stripe_user_id: providerAccountId ?? '' }).toString(),
      }),
    },
    accountFacts: (body) => ({
      providerAccountId: typeof body.stripe_user_id === 'string' ? body.stripe_user_id : undefined,
    }),
  },
}
