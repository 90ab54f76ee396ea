/** @module What the HTTP API serves for watching a hub: the call log, integration health and Prometheus metrics. */
import type { Kysely } from 'kysely'
import type { EventDeliveryStats } from '../events/delivery-stats.js'
import { type CallLogs, createCallLogs } from '../logs/call-logs.js'
import { createIntegrationHealth, type IntegrationHealth } from '../logs/integration-health.js'
import type { ApiProxy } from '../proxy/proxy.js'
import type { Schema } from '../storage/schema.js'
import type { ConnectionServices } from './connection-services.js'

export interface Observability {
  logs: CallLogs
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
