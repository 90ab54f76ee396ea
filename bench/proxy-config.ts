/** The proxy benchmark's Junction configuration, shared by the hub (`junction start`) and the library case. */

/** The bench's integrations: `bench` (app-level, an API key) and `benchuser` (OAuth, per user). */
export function benchConfig(upstream: string): Record<string, unknown> {
  // A rate limit far above the load.
  const rateLimit = { requestsPerSecond: 1_000_000, burst: 100_000, maxConcurrent: 10_000 }
  return {
    providers: {
      benchapi: {
        auth: { type: 'api_key', header: 'x-api-key' },
        api: { baseUrl: upstream },
        rateLimit: { ...rateLimit, per: 'integration' },
      },
      benchoauth: {
        auth: { type: 'oauth2', authorizeUrl: `${upstream}/authorize`, tokenUrl: `${upstream}/token` },
        api: { baseUrl: upstream },
        rateLimit: { ...rateLimit, per: 'connection' },
      },
    },
    integrations: {
      bench: { provider: 'benchapi', apiKey: 'bench-upstream-key' },
      benchuser: { provider: 'benchoauth', clientId: 'bench-client', clientSecret: 'bench-secret' },
    },
  }
}
