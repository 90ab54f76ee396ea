/**
 * Stripe with the app's own secret key: an app-level integration (`apiKey` in the config). Stripe honours
 * `Idempotency-Key` on POST, so those may be retried safely.
 * @see https://docs.stripe.com/api/authentication, https://docs.stripe.com/api/idempotent_requests
 */
import type { Provider } from '../provider.js'

export const stripe: Provider = {
  name: 'stripe',
  definition: {
    displayName: 'Stripe',
    auth: { type: 'api_key', header: 'authorization', prefix: 'Bearer ' },
    api: { baseUrl: 'https://api.stripe.com' },
    rateLimit: { requestsPerSecond: 25, burst: 25, per: 'integration' },
    idempotency: { header: 'Idempotency-Key' },
    // Connect events name the connected account as `account`; the platform's own events carry none.
    // https://docs.stripe.com/connect/webhooks
    webhooks: { scheme: 'stripe', accountIdPath: 'account' },
  },
  hooks: {},
}
