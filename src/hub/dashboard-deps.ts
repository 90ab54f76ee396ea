/** @module What the dashboard works with, taken from a hub's services: the one place that list is assembled. */
import type { Kysely } from 'kysely'
import type { ApiKeys } from '../api-keys/api-keys.js'
import { createDashboardSessions, type DashboardSessionsOptions } from '../api-keys/dashboard-sessions.js'
import type { JunctionOptions } from '../config/config.js'
import type { Logger } from '../core/logger.js'
import { createCallSeries } from '../logs/call-series.js'
import type { ApiProxy } from '../proxy/proxy.js'
import { createLibraryFetch } from '../proxy/proxy-fetch.js'
import type { DashboardDeps } from '../server/dashboard/dashboard.js'
import type { Schema } from '../storage/schema.js'
import { createEventFeed } from '../webhooks/event-feed.js'
import type { ConnectionServices } from './connection-services.js'
import { initialApiKeyFile } from './first-api-key.js'
import type { Observability } from './observability.js'

export function dashboardDeps(deps: {
  options: Pick<JunctionOptions, 'publicUrl' | 'mode' | 'dataDir'>
  db: Kysely<Schema>
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
    series: createCallSeries(deps.db),
    events: createEventFeed(deps.db),
    flushCallLog: () => deps.services.callLog.flush(),
  }
}
