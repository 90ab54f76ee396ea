/**
 * @module The inbound side of events in a hub: the webhook inbox (with its metrics) and the events feed, over the
 * hub's database and integrations. Stateless: built wherever they are served (the app, the library).
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../logs/metrics.js'
import type { SandboxWebhookTarget } from '../sandbox/sandbox-webhooks.js'
import type { Schema } from '../storage/schema.js'
import { createEventFeed, type EventFeed, type EventFeedOptions } from '../webhooks/event-feed.js'
import { createWebhookInbox, type WebhookInbox, type WebhookInboxOptions } from '../webhooks/inbox/inbox.js'

export interface EventServices {
  readonly inbox: WebhookInbox
  readonly feed: EventFeed
}

export interface EventServicesDeps {
  db: Kysely<Schema>
  integrations: ReadonlyMap<string, ResolvedIntegration>
  metrics: Pick<Metrics, 'observeWebhook'>
  publicUrl: string
  logger: Logger
  tuning?: { inbox?: WebhookInboxOptions; feed?: EventFeedOptions }
}

export function createEventServices(deps: EventServicesDeps): EventServices {
  return {
    inbox: createWebhookInbox({
      db: deps.db,
      integrations: deps.integrations,
      publicUrl: deps.publicUrl,
      logger: deps.logger,
      onOutcome: deps.metrics.observeWebhook,
      ...(deps.tuning?.inbox === undefined ? {} : { options: deps.tuning.inbox }),
    }),
    feed: createEventFeed(deps.db, deps.tuning?.feed),
  }
}

/**
 * Where the development sandbox sends its webhooks: the hub's own `/webhooks/sandbox`, signed with the `sandbox`
 * integration's secret. None when that integration takes no webhooks. A failed delivery is logged, never thrown.
 */
export function sandboxWebhookTarget(
  integrations: ReadonlyMap<string, ResolvedIntegration>,
  publicUrl: string,
  logger: Logger,
): SandboxWebhookTarget | undefined {
  const secret = integrations.get('sandbox')?.webhookSecrets[0]
  if (secret === undefined) return undefined
  return {
    url: `${publicUrl}/webhooks/sandbox`,
    secret,
    onError: (error) => logger.warn({ err: error }, 'the sandbox could not deliver a webhook to the hub'),
  }
}
