/**
 * @module The background work of an opened {@link Hub} (keep-alive refreshes, revocation retries, call-log
 * retention, integration alerts, and the events: delivery to `events.url` and their retention), started the same way by `junction start`
 * and `createJunction()`, and stopped by their close.
 */
import {
  type BackgroundOptions,
  type BackgroundWork,
  defaultBackgroundOptions,
  startBackgroundWork,
} from '../connections/background.js'
import { loadEventsSecrets } from '../events/events-secret.js'
import { type EventsWorkOptions, startEventsWork } from '../events/events-work.js'
import { type AlertWatchOptions, alertThresholdsOf, startAlertWatch } from '../logs/alert-watch.js'
import type { Hub } from './hub.js'

export function startHubBackgroundWork(
  hub: Hub,
  options: BackgroundOptions = defaultBackgroundOptions,
  events?: EventsWorkOptions,
  alerts?: Partial<AlertWatchOptions>,
): BackgroundWork {
  const { options: config } = hub
  const eventsWork = startEventsWork({
    db: hub.database.db,
    events: { url: config.eventsUrl, retentionDays: config.eventsRetentionDays },
    secrets: loadEventsSecrets(config, hub.logger),
    egress: config.egress,
    logger: hub.logger,
    stats: hub.eventDelivery,
    options: events,
  })
  const connectionsWork = startBackgroundWork({
    db: hub.database.db,
    state: hub.services.connectionState,
    revoker: hub.services.revoker,
    integrations: hub.services.integrations,
    logger: hub.logger,
    options,
  })
  const alertWatch = startAlertWatch({
    db: hub.database.db,
    integrations: hub.services.integrations,
    thresholds: alertThresholdsOf(config.alerts),
    logger: hub.logger,
    options: alerts,
  })
  return {
    runOnce: connectionsWork.runOnce,
    async stop() {
      // Each stops on its own: a slow one does not keep the others running.
      await Promise.all([eventsWork.stop(), connectionsWork.stop(), alertWatch.stop()])
    },
  }
}
