/**
 * @module The HTTP API as a Hono app. `createApp(deps)` takes every service it uses, so tests build it over their own
 * database and call `app.request()` without a socket.
 */
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ApiKeys } from '../api-keys/api-keys.js'
import type { Branding } from '../config/config.js'
import type { ConnectFlow } from '../connections/connect-flow.js'
import type { ConnectionService } from '../connections/connections.js'
import type { UserErasure } from '../connections/user-erasure.js'
import { errorResponse } from '../core/error-response.js'
import type { Logger } from '../core/logger.js'
import type { CallLogs } from '../logs/call-logs.js'
import type { IntegrationHealth } from '../logs/integration-health.js'
import type { Usage } from '../logs/usage.js'
import { maxProxyBodyBytes } from '../proxy/body-limits.js'
import type { ApiProxy } from '../proxy/proxy.js'
import type { Database } from '../storage/database.js'
import type { EventFeed } from '../webhooks/event-feed.js'
import type { WebhookInbox } from '../webhooks/inbox/inbox.js'
import { type DashboardDeps, dashboardBase, dashboardErrorPages, dashboardRoutes } from './dashboard/dashboard.js'
import { allowedMethods, handleError, methodNotAllowed, notFound } from './error-response.js'
import { apiKeyAuth } from './middleware/api-key-auth.js'
import { redirectToPublicOrigin } from './middleware/public-origin.js'
import { type NodeRoute, withNodeRoutes } from './node-routes.js'
import { proxyNodeRoute } from './proxy-node-route.js'
import { apiKeyRoutes } from './routes/api-keys.js'
import { connectPageRoutes } from './routes/connect-pages.js'
import { connectSessionRoutes } from './routes/connect-sessions.js'
import { connectionRoutes } from './routes/connections.js'
import { eventRoutes } from './routes/events.js'
import { healthRoutes } from './routes/health.js'
import { integrationHealthRoutes } from './routes/integration-health.js'
import { logRoutes } from './routes/logs.js'
import { metricsRoutes } from './routes/metrics.js'
import { openApiRoutes } from './routes/openapi.js'
import { proxyRoutes } from './routes/proxy.js'
import { usageRoutes } from './routes/usage.js'
import { userRoutes } from './routes/users.js'
import { webhookNodeRoute, webhookRoutes } from './routes/webhooks.js'

export interface AppDeps {
  apiKeys: ApiKeys
  /** The connection routes are served when given. */
  connections?: ConnectionService
  /** The proxy, served under `/v1/proxy` when given. */
  proxy?: ApiProxy
  /** Integration health figures, served under `/v1/health/integrations` when given. */
  integrationHealth?: IntegrationHealth
  /** Usage for billing, served under `/v1/usage` when given. */
  usage?: Usage
  /** Prometheus metrics, served at `/metrics` (behind an API key) when given. */
  metrics?: { render(): string }
  /** End-user erasure, served under `/v1/users` when given. */
  users?: UserErasure
  /** The call log, served under `/v1/logs` when given. */
  logs?: CallLogs
  /** Providers' webhooks, received at `POST /webhooks/:integration` (public) when given. */
  webhooks?: WebhookInbox
  /** The events feed and redelivery, served under `/v1/events` when given. */
  events?: EventFeed
  /** The sandbox provider, served under `/sandbox` when given (development). */
  sandbox?: Hono
  /** What `/health` says of Redis (`ok` or `degraded`), when one is configured. */
  redisHealth?: () => 'ok' | 'degraded' | undefined
  /** The dashboard, served at `/` when given. */
  dashboard?: DashboardDeps
  /** The connect flow (API and browser routes) is served when given. */
  connect?: { flow: ConnectFlow; publicUrl: string; branding?: Branding | undefined }
  database: Database
  logger: Logger
  /**
   * Largest JSON body the API reads.
   * @default 1_048_576 (1 MiB)
   */
  maxBodyBytes?: number
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono()
  const maxBodyBytes = deps.maxBodyBytes ?? 1024 * 1024

  // Every route reads at most this much body (the API, the connect form, the sandbox); the proxy up to 10 MiB.
  const limitTo = (maxSize: number) =>
    bodyLimit({
      maxSize,
      // On our own HTTP/1.1 socket the rest of the body is never read: the connection is closed after the answer,
      // rather than drained (the Node adapter would read on for up to 500 ms) or kept alive with unread bytes in it.
      // (Not under HTTP/2 or another server, where `Connection` is not ours to send.)
      onError: (c) =>
        errorResponse(
          'payload_too_large',
          `the request body is larger than ${maxSize} bytes`,
          (c.env as { incoming?: { httpVersionMajor?: number } } | undefined)?.incoming?.httpVersionMajor === 1
            ? { connection: 'close' }
            : {},
        ),
    })
  // In development, a browser's page on another loopback name goes to publicUrl's first (one origin for cookies).
  if (deps.dashboard?.mode === 'development') app.use('*', redirectToPublicOrigin(deps.dashboard.publicUrl))
  const apiLimit = limitTo(maxBodyBytes)
  const proxyLimit = limitTo(maxProxyBodyBytes)
  app.use('*', (c, next) => {
    // A GET or HEAD that declares no body has none (a web Request cannot carry one; Node reads none without a length
    // or chunking): skipping the limit spares the Node adapter building a whole Request on the proxy's hot path.
    const method = c.req.method
    if (
      (method === 'GET' || method === 'HEAD') &&
      c.req.header('content-length') === undefined &&
      c.req.header('transfer-encoding') === undefined
    )
      return next()
    return (c.req.path.startsWith('/v1/proxy/') ? proxyLimit : apiLimit)(c, next)
  })
  app.route('/', healthRoutes(deps.database, deps.redisHealth))
  app.route('/openapi.json', openApiRoutes())
  if (deps.sandbox !== undefined) app.route('/sandbox', deps.sandbox)
  // On a socket (`listen`), webhooks are served ahead of the app on Node's own request and response, the same way.
  const nodeRoutes: NodeRoute[] = []
  if (deps.webhooks !== undefined) {
    app.route('/webhooks', webhookRoutes(deps.webhooks))
    nodeRoutes.push(webhookNodeRoute({ inbox: deps.webhooks, maxBodyBytes, logger: deps.logger }))
  }
  if (deps.connect !== undefined)
    app.route('/', connectPageRoutes(deps.connect.flow, deps.connect.publicUrl, deps.connect.branding))
  if (deps.dashboard !== undefined) app.route('/', dashboardRoutes(deps.dashboard))

  app.use('/v1/*', apiKeyAuth(deps.apiKeys))
  if (deps.metrics !== undefined) {
    app.use('/metrics', apiKeyAuth(deps.apiKeys))
    app.route('/metrics', metricsRoutes(deps.metrics))
  }
  app.route('/v1/api-keys', apiKeyRoutes(deps.apiKeys))
  if (deps.connections !== undefined) app.route('/v1/connections', connectionRoutes(deps.connections))
  if (deps.connect !== undefined) app.route('/v1/connect-sessions', connectSessionRoutes(deps.connect.flow))
  if (deps.proxy !== undefined) {
    app.route('/v1/proxy', proxyRoutes(deps.proxy))
    // On a socket, the proxy's hot path is served ahead of the app (proxy-node-route.ts), with the same answers.
    nodeRoutes.push(proxyNodeRoute({ proxy: deps.proxy, apiKeys: deps.apiKeys, logger: deps.logger }))
  }
  if (deps.logs !== undefined) app.route('/v1/logs', logRoutes(deps.logs))
  if (deps.usage !== undefined) app.route('/v1/usage', usageRoutes(deps.usage))
  if (deps.users !== undefined) app.route('/v1/users', userRoutes(deps.users))
  if (deps.events !== undefined) app.route('/v1/events', eventRoutes(deps.events))
  if (deps.integrationHealth !== undefined)
    app.route('/v1/health/integrations', integrationHealthRoutes(deps.integrationHealth))

  // A browser asking for a dashboard page sees the dashboard's HTML 404 and error pages; everything else keeps the
  // JSON errors, and a wrong method on a path that exists is a 405 naming the path's methods.
  const pages = deps.dashboard === undefined ? undefined : dashboardErrorPages(dashboardBase(deps.dashboard.publicUrl))
  const methodsOf = allowedMethods(app.routes)
  app.notFound((c) => {
    if (pages !== undefined && isPageRequest(c)) return pages.notFound(c)
    const methods = methodsOf(c.req.path)
    return methods.length > 0 && !methods.includes(c.req.method) ? methodNotAllowed(c, methods) : notFound(c)
  })
  const answerError = handleError(deps.logger)
  app.onError((error, c) => {
    const answer = answerError(error, c)
    return pages !== undefined && isPageRequest(c) ? pages.failed(c, answer) : answer
  })
  return withNodeRoutes(app, nodeRoutes)
}

/** Paths for programs (the API, health, metrics, webhooks, the sandbox) and the connect flow's own pages. */
const notDashboardPaths = /^\/(?:v1|health|metrics|openapi\.json|webhooks|sandbox|connect|oauth)(?:\/|$)/

/** A browser's request (it accepts HTML) for a dashboard page: anything outside the paths above. */
function isPageRequest(c: Context): boolean {
  return !notDashboardPaths.test(c.req.path) && (c.req.header('accept') ?? '').includes('text/html')
}
