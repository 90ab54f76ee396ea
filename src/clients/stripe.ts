/**
 * @module `junction.stripe()`: the official `stripe` SDK's `Stripe`, its HTTP through Junction (docs/library.md,
 * "Stripe"). The SDK holds no key: its authenticator adds nothing, and the proxy sets the integration's credential.
 * Its own retries are off, so the proxy's apply; Stripe keys every POST with `Idempotency-Key`, which makes those safe
 * to repeat.
 *
 * `stripe` is an optional peer dependency. `createJunction()` imports it (beside opening the hub) so that
 * `junction.stripe()` can stay synchronous: a dynamic `import()` gets the very module the application's own
 * `import Stripe from 'stripe'` gets, in Node, tsx and Vitest alike, so `instanceof Stripe.errors.StripeError` holds
 * for the errors it throws. (Loading it with `require` at the first call gave a second copy of the module under tsx,
 * whose error classes fail that `instanceof`.)
 */
import type Stripe from 'stripe'
import { JunctionError } from '../core/errors.js'

/** The `stripe` package's `Stripe` class, or why it could not be imported (not installed, typically). */
export type StripeSdk = { Stripe: typeof Stripe } | { missing: unknown }

/** The fetch the SDK calls: absolute URLs under the integration's API base URL (`junction.fetchFor`). */
type StripeFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** Stripe's own host: with it as the base URL, the SDK keeps its defaults. */
const stripeApi = 'https://api.stripe.com'

/**
 * A `Stripe` whose requests go through `fetch`, at `baseUrl` (the integration's `api.baseUrl`, when it overrides
 * Stripe's, as for stripe-mock or a local recorder). Throws a `JunctionError` naming the package when it is missing.
 */
export function createStripe(sdk: StripeSdk, fetch: StripeFetch, baseUrl: string): Stripe {
  if ('missing' in sdk) {
    throw new JunctionError(
      'invalid_request',
      'junction.stripe() needs the `stripe` package, an optional peer dependency: npm install stripe',
      { cause: sdk.missing },
    )
  }
  const StripeClass = sdk.Stripe
  const base = new URL(baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  const underBase: StripeFetch = prefix === '' ? fetch : (input, init) => fetch(prefixed(input, prefix), init)
  return new StripeClass('', {
    // Junction adds the credential; the proxy drops any `Authorization` a caller sends anyway.
    authenticator: async () => undefined,
    httpClient: StripeClass.createFetchHttpClient(underBase as typeof globalThis.fetch),
    maxNetworkRetries: 0,
    ...(base.origin === stripeApi
      ? {}
      : {
          host: base.hostname,
          protocol: base.protocol === 'http:' ? 'http' : 'https',
          port: base.port === '' ? (base.protocol === 'http:' ? 80 : 443) : Number(base.port),
        }),
  })
}

/** Imports the `stripe` package; never rejects. */
export async function importStripe(): Promise<StripeSdk> {
  try {
    return { Stripe: (await import('stripe')).default }
  } catch (missing) {
    return { missing }
  }
}

/** The SDK's URL (always at the host's root) under the base URL's path. */
function prefixed(input: string | URL | Request, prefix: string): string | URL | Request {
  const url = new URL(input instanceof Request ? input.url : input)
  url.pathname = `${prefix}${url.pathname}`
  return input instanceof Request ? new Request(url, input) : url
}
