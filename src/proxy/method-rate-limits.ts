/**
 * @module The rate limits of single API methods (a provider's `methodRateLimits`, Slack's tiers): a call to such a
 * method waits for that method's own limit, per connection or per integration as it says, instead of the provider's
 * (docs/configuration.md, "Providers"). Each method's calls share one budget across instances when Redis is there.
 */
import type { Redis } from 'ioredis'
import { createRateLimiter, type RateLimiter } from '../http/rate-limit/rate-limiter.js'
import type { ProviderDefinition } from '../providers/definition.js'

export interface MethodRateLimit {
  limiter: RateLimiter
  /** The key of this call's budget: the method's, for this connection or for the whole integration. */
  key: string
}

export interface MethodRateLimits {
  /**
   * The limit of the method at `path` (the path under the API base URL, as proxied), if it has one of its own, for a
   * call of `userId` (undefined for app-level calls) through `integration`.
   */
  forCall(path: string, integration: string, userId: string | undefined): MethodRateLimit | undefined
}

export function createMethodRateLimits(
  definition: Pick<ProviderDefinition, 'methodRateLimits'>,
  redis: Redis | undefined,
): MethodRateLimits {
  const methods = new Map<string, { limiter: RateLimiter; perConnection: boolean }>()
  for (const [path, limit] of Object.entries(definition.methodRateLimits ?? {})) {
    methods.set(path, {
      limiter: createRateLimiter({ ...limit, redis }),
      perConnection: (limit.per ?? 'connection') === 'connection',
    })
  }
  return {
    forCall(path, integration, userId) {
      if (methods.size === 0) return undefined
      const method = methods.get(path)
      if (method === undefined) return undefined
      const owner = method.perConnection && userId !== undefined ? `${integration}:${userId}` : integration
      return { limiter: method.limiter, key: `${owner} ${path}` }
    },
  }
}
