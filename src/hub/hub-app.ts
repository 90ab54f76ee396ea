/**
 * @module The hub's HTTP app over an opened {@link Hub}: every route with the services it needs, the call log, health
 * and metrics, and the sandbox in development. `junction start` serves it on a socket; `createJunction().handle()`
 * serves it under the app's own prefix. This is the one place that wires a hub into `createApp`.
 */
import type { Hono } from 'hono'
import type { Kysely } from 'kysely'
import type { ApiKeys } from '../api-keys/api-keys.js'
import { createDashboardSessions, type DashboardSessionsOptions } from '../api-keys/dashboard-sessions.js'
import type { JunctionOptions } from '../config/config.js'
import type { Logger } from '../core/logger.js'
import type { EventDeliveryStats } from '../events/delivery-stats.js'
import { type CallLogs, createCallLogs } from '../logs/call-logs.js'
import { createCallSeries } from '../logs/call-series.js'
import { createIntegrationHealth, type IntegrationHealth } from '../logs/integration-health.js'
import { createUsage, type Usage } from '../logs/usage.js'
import type { ApiProxy } from '../proxy/proxy.js'
import { createLibraryFetch } from '../proxy/proxy-fetch.js'
import { createSandboxApp } from '../sandbox/sandbox-app.js'
import { createApp } from '../server/app.js'
import type { DashboardDeps } from '../server/dashboard/dashboard.js'
import type { DashboardRecord } from '../server/dashboard/dashboard-env.js'
import { createPageRecords } from '../server/dashboard/page-records.js'
import { alertStates } from '../storage/integration-alerts-store.js'
import { redisHealth } from '../storage/redis-client.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import { createEventFeed } from '../webhooks/event-feed.js'
import type { ConnectionServices } from './connection-services.js'
import { createEventServices, sandboxWebhookTarget } from './event-services.js'
import { initialApiKeyFile } from './first-api-key.js'
import type { Hub } from './hub.js'

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
    connect: { flow: hub.services.connectFlow, publicUrl: options.publicUrl, branding: options.branding },
    proxy: hub.proxy,
    users: hub.services.users,
    webhooks: events.inbox,
    events: events.feed,
    ...watch,
    dashboard: dashboardDeps({
      options,
      db: hub.database.db,
      vault: hub.vault,
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

/** What the HTTP API serves for watching a hub: the call log, usage, integration health and Prometheus metrics. */
export interface Observability {
  logs: CallLogs
  usage: Usage
  integrationHealth: IntegrationHealth
  metrics: { render(): string }
}

export function observability(deps: {
  db: Kysely<Schema>
  services: ConnectionServices
  proxy: ApiProxy
  /** The events delivery worker's figures (absent: none reported). */
  eventDelivery?: EventDeliveryStats
}): Observability {
  const circuits = () => deps.proxy.circuits()
  const { eventDelivery } = deps
  return {
    logs: createCallLogs(deps.db),
    usage: createUsage(deps.db),
    integrationHealth: createIntegrationHealth({
      db: deps.db,
      integrations: deps.services.integrations,
      circuits,
      webhookRefusals: deps.services.metrics.webhookRefusalsSince,
      ...(eventDelivery === undefined ? {} : { eventDelivery: eventDelivery.countsOf }),
    }),
    metrics: {
      render: () =>
        deps.services.metrics.render({
          callLog: deps.services.callLog,
          circuits,
          ...(eventDelivery === undefined ? {} : { eventDelivery }),
        }),
    },
  }
}

function dashboardDeps(deps: {
  options: Pick<JunctionOptions, 'publicUrl' | 'mode' | 'dataDir'>
  db: Kysely<Schema>
  vault: Vault
  apiKeys: ApiKeys
  services: ConnectionServices
  proxy: ApiProxy
  logger: Logger
  watch: Observability
  sessions?: DashboardSessionsOptions
}): DashboardDeps {
  return {
    publicUrl: deps.options.publicUrl,
    mode: deps.options.mode,
    initialApiKeyFile: initialApiKeyFile(deps.options.dataDir),
    sessions: createDashboardSessions(deps.db, deps.apiKeys, deps.sessions),
    apiKeys: deps.apiKeys,
    integrations: deps.services.integrations,
    connections: deps.services.connections,
    connectFlow: deps.services.connectFlow,
    fetch: createLibraryFetch({ proxy: deps.proxy, logger: deps.logger }),
    logs: deps.watch.logs,
    health: deps.watch.integrationHealth,
    usage: deps.watch.usage,
    alerts: () => alertStates(deps.db),
    series: createCallSeries(deps.db),
    events: createEventFeed(deps.db),
    flushCallLog: () => deps.services.callLog.flush(),
    records: createPageRecords<DashboardRecord>({ db: deps.db, vault: deps.vault }),
  }
}
