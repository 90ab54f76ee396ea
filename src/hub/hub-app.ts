/**
 * @module The hub's HTTP app over an opened {@link Hub}: every route with the services it needs, the call log, health
 * and metrics, and the sandbox in development. `junction start` serves it on a socket; `createJunction().handle()`
 * serves it under the app's own prefix. This is the one place that wires a hub into `createApp`.
 */
import type { Hono } from 'hono'
import { createSandboxApp } from '../sandbox/sandbox-app.js'
import { createApp } from '../server/app.js'
import { redisHealth } from '../storage/redis-client.js'
import { dashboardDeps } from './dashboard-deps.js'
import { createEventServices, sandboxWebhookTarget } from './event-services.js'
import { observability } from './observability.js'
import type { Hub } from './open-hub.js'

export function createHubApp(hub: Hub): Hono {
  const { options } = hub
  const watch = observability({
    db: hub.database.db,
    services: hub.services,
    proxy: hub.proxy,
    eventDelivery: hub.eventDelivery,
  })
  const events = createEventServices({
    db: hub.database.db,
    integrations: hub.services.integrations,
    metrics: hub.services.metrics,
    publicUrl: options.publicUrl,
    logger: hub.logger,
  })
  return createApp({
    apiKeys: hub.apiKeys,
    database: hub.database,
    connections: hub.services.connections,
    connect: { flow: hub.services.connectFlow, publicUrl: options.publicUrl },
    proxy: hub.proxy,
    users: hub.services.users,
    webhooks: events.inbox,
    events: events.feed,
    ...watch,
    dashboard: dashboardDeps({
      options,
      db: hub.database.db,
      apiKeys: hub.apiKeys,
      services: hub.services,
      proxy: hub.proxy,
      logger: hub.logger,
      watch,
    }),
    ...(hub.sandboxSecret === undefined
      ? {}
      : {
          sandbox: createSandboxApp(
            hub.sandboxSecret,
            options.sandboxConfig,
            `${options.publicUrl}/oauth/callback`,
            undefined,
            sandboxWebhookTarget(hub.services.integrations, options.publicUrl, hub.logger),
          ),
        }),
    redisHealth: () => redisHealth(hub.redis),
    logger: hub.logger,
  })
}
