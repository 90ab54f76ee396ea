/**
 * @module Which API key scope reaches which route (docs/http-api.md, "API keys"). Every route behind an API key is
 * listed here with the one scope besides `admin` that may call it; a route not listed is for `admin` keys only, so a
 * route added without a line here is closed to `read` and `metrics` keys rather than open (a test walks the app's
 * routes and fails on one that is missing).
 */
import type { ApiKeyScope } from '../../api-keys/key-scope.js'
import { decodeOrKeep } from '../../core/uri.js'

/** `read`: also a read key; `metrics`: also a metrics key; `admin`: only an admin key. */
export type RouteAccess = ApiKeyScope

export interface RouteRule {
  /** Upper case, or `ALL` for a route that takes every method (the proxy). */
  method: string
  /** As the app registers it: `:name` for one segment, a trailing `/*` for the rest of the path. */
  path: string
  access: RouteAccess
}

/**
 * Reads (GET) under `/v1` are open to a read key, except a path ending in `/token` (a connection's token is a
 * credential). That includes the key list (names and prefixes, never a key) and a GET through the proxy, which reaches
 * the provider with the end user's token: a provider that acts on a GET (Slack's `auth.revoke` does) acts for a read
 * key too, as docs/http-api.md warns.
 */
export const routeRules: readonly RouteRule[] = [
  { method: 'POST', path: '/v1/api-keys', access: 'admin' },
  { method: 'GET', path: '/v1/api-keys', access: 'read' },
  { method: 'DELETE', path: '/v1/api-keys/:id', access: 'admin' },
  { method: 'POST', path: '/v1/connect-sessions', access: 'admin' },
  { method: 'POST', path: '/v1/connections', access: 'admin' },
  { method: 'GET', path: '/v1/connections', access: 'read' },
  { method: 'GET', path: '/v1/connections/:integration/:userId', access: 'read' },
  { method: 'GET', path: '/v1/connections/:integration/:userId/token', access: 'admin' },
  { method: 'POST', path: '/v1/connections/:integration/:userId/refresh', access: 'admin' },
  { method: 'DELETE', path: '/v1/connections/:integration/:userId', access: 'admin' },
  { method: 'DELETE', path: '/v1/users/:userId', access: 'admin' },
  { method: 'GET', path: '/v1/proxy/:integration', access: 'read' },
  { method: 'GET', path: '/v1/proxy/:integration/*', access: 'read' },
  { method: 'ALL', path: '/v1/proxy/:integration', access: 'admin' },
  { method: 'ALL', path: '/v1/proxy/:integration/*', access: 'admin' },
  { method: 'GET', path: '/v1/logs', access: 'read' },
  { method: 'GET', path: '/v1/usage', access: 'read' },
  { method: 'GET', path: '/v1/events', access: 'read' },
  { method: 'GET', path: '/v1/events/:id', access: 'read' },
  { method: 'POST', path: '/v1/events/:id/redeliver', access: 'admin' },
  { method: 'POST', path: '/v1/events/redeliver', access: 'admin' },
  { method: 'GET', path: '/v1/health/integrations', access: 'read' },
  { method: 'GET', path: '/metrics', access: 'metrics' },
]

/** A rule's path as a pattern over the request's path, segment for segment as the router matches it. */
function pathPattern(path: string): RegExp {
  const rest = path.endsWith('/*')
  const segments = (rest ? path.slice(0, -2) : path)
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  return new RegExp(`^${segments.join('/')}${rest ? '(?:/.*)?' : ''}$`)
}

const compiled = routeRules
  .filter((rule) => rule.access !== 'admin')
  .map((rule) => ({ ...rule, pattern: pathPattern(rule.path) }))

/**
 * Whether a key of `scope` may make this request. Pure; `path` is the request's path as the router sees it. HEAD is
 * taken as the GET it is answered by (the same handler, no body).
 */
export function scopeAllows(scope: ApiKeyScope, method: string, path: string): boolean {
  if (scope === 'admin') return true
  // Decoded as the router decodes it, so that an encoded `/%74oken` is the token route's name too, on every entry.
  if (/\/token\/*$/i.test(decodeOrKeep(path))) return false
  const asMethod = method === 'HEAD' ? 'GET' : method
  return compiled.some(
    (rule) => rule.access === scope && (rule.method === asMethod || rule.method === 'ALL') && rule.pattern.test(path),
  )
}

/** What a key of `scope` may call, for the 403's message. */
export const scopeReach: Readonly<Record<Exclude<ApiKeyScope, 'admin'>, string>> = {
  read: 'a read key may only read under /v1 (GET), never a path ending in /token',
  metrics: 'a metrics key may only read /metrics',
}
