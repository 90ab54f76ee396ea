/**
 * @module junction/http: the resilient HTTP client on its own. Every public export of the subpath is named here.
 */

// Errors
export { isJunctionError, JunctionError, type JunctionErrorCode } from '../core/errors.js'
// Rate limiting and circuit breaking
export { type CircuitBreaker, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker.js'
// Client
export {
  type AttemptEvent,
  createHttpClient,
  type HttpClient,
  type HttpClientEvents,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
} from './client.js'
// Transport and egress
export type { EgressPolicy } from './egress.js'
export { HttpError, isHttpError } from './http-error.js'
export { createFailoverRateStore } from './rate-limit/failover-rate-store.js'
export { createRateLimiter, type RateLimiter, type RateLimitOptions } from './rate-limit/rate-limiter.js'
export { createLocalRateStore, type RateStore } from './rate-limit/rate-store.js'
export { createRedisRateStore } from './rate-limit/redis-rate-store.js'
// Retry decision
export { decideRetry, type RetryDecision, type RetryInput, type RetryPolicy } from './retry-decision.js'
export { createUndiciTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.js'
export { waitHintMs } from './wait-hints.js'
