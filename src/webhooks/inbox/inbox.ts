/**
 * @module The webhook inbox (`POST /webhooks/:integration`, docs/http-api.md "Webhooks"): a provider's delivery is
 * verified on its raw bytes with the integration's secrets before anything is parsed, linked to the connections of
 * the account it names, and stored once as a `webhook.received` event. The answer the caller gets says only what
 * the sender may know: the reason of a refusal goes to the log and the metrics.
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../../config/resolve-integration.js'
import { JunctionError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { userIdsOfAccount } from '../../storage/account-links-store.js'
import { isDatabaseUnavailable } from '../../storage/database-errors.js'
import { appendEvents, type NewEvent } from '../../storage/events-store.js'
import type { Schema } from '../../storage/schema.js'
import { parseVerifiedJson } from '../body.js'
import type { WebhookHeaders, WebhookRefusalReason } from '../types.js'
import { verifyWebhook } from '../verify-webhook.js'
import { accountIdAt } from './account-id.js'
import { webhookDedupKey } from './dedup-key.js'
import { createGroupCommit, type GroupCommitOptions } from './group-commit.js'

/** A delivery as it arrived: nothing of it is trusted until its signature verified. */
export interface WebhookDelivery {
  /** The integration named in the path (`/webhooks/:integration`), unchecked. */
  integration: string
  method: string
  /** The query string as sent (`?a=1`, or empty): HubSpot signs the whole URL. */
  search: string
  /** Every header as received; repeated ones kept apart when the server can tell (a record of arrays). */
  headers: WebhookHeaders
  /** The raw body, at most the server's body limit. */
  body: Uint8Array
}

export type WebhookReceipt =
  | { kind: 'received'; eventId: string }
  /** Stored already (the provider retried, or another process got it first): not stored or sent again. */
  | { kind: 'duplicate' }
  /** A verified handshake (Slack's `url_verification`): answered with this value, nothing stored. */
  | { kind: 'challenge'; challenge: string }

export type WebhookOutcome = 'received' | 'duplicate' | 'refused'

export interface WebhookInbox {
  /**
   * Verifies and stores one delivery. Throws `integration_not_found` (no such integration, or none that takes
   * webhooks), `invalid_signature` (one message, whatever failed), or the database's failure (503 `unavailable`
   * while it is away, so that the provider retries).
   */
  receive(delivery: WebhookDelivery): Promise<WebhookReceipt>
}

export interface WebhookInboxOptions {
  /**
   * How far a signed timestamp may be from now, in the past or the future, in seconds.
   * @default 300
   */
  toleranceSeconds?: number
  /**
   * Deliveries that arrive together are stored in one statement (group commit), each answered once the statement
   * holding it has committed: how long a batch waits for more after its first (0: until the next turn of the event
   * loop) and how many it holds at most.
   * @default { windowMs: 0, maxBatchSize: 100 }
   */
  batch?: GroupCommitOptions
}

export interface WebhookInboxDeps {
  db: Kysely<Schema>
  integrations: ReadonlyMap<string, ResolvedIntegration>
  /** The hub's public URL: HubSpot signs the URL it called (`publicUrl` + the path), not one rebuilt from `Host`. */
  publicUrl: string
  logger: Logger
  /** Told of every delivery's outcome (for the metrics); `reason` only with `refused`. */
  onOutcome?: (integration: string, outcome: WebhookOutcome, reason?: WebhookRefusalReason) => void
  options?: WebhookInboxOptions
}

const refusal = () => new JunctionError('invalid_signature', 'the webhook signature did not verify')

export function createWebhookInbox(deps: WebhookInboxDeps): WebhookInbox {
  const { db, logger, onOutcome = () => undefined } = deps
  const toleranceSeconds = deps.options?.toleranceSeconds ?? 300
  const store = createGroupCommit<NewEvent, string | undefined>({
    write: (events) => appendEvents(db, events),
    // A delivery the database refuses on its own (a body PostgreSQL's JSON cannot hold) fails alone, not its batch.
    retryOneByOne: (error) => !isDatabaseUnavailable(error),
    ...(deps.options?.batch === undefined ? {} : { options: deps.options.batch }),
  })

  return {
    async receive(delivery) {
      const integration = deps.integrations.get(delivery.integration)
      const scheme = integration?.definition.webhooks?.scheme
      if (integration === undefined || scheme === undefined || integration.webhookSecrets.length === 0)
        throw new JunctionError('integration_not_found', 'no integration here takes webhooks under this name')

      const verified = verifyWebhook({
        scheme,
        secrets: integration.webhookSecrets,
        headers: delivery.headers,
        body: delivery.body,
        url: `${deps.publicUrl}/webhooks/${integration.id}${delivery.search}`,
        method: delivery.method,
        toleranceSeconds,
      })
      if (!verified.ok) {
        logger.warn({ integration: integration.id, reason: verified.reason }, 'webhook refused')
        onOutcome(integration.id, 'refused', verified.reason)
        throw refusal()
      }

      // Parsed only now, and only when something is read from it.
      const accountIdPath = integration.definition.webhooks?.accountIdPath
      const challengeOf = integration.hooks.webhookChallenge
      const parsed =
        accountIdPath !== undefined || challengeOf !== undefined ? parseVerifiedJson(delivery.body) : undefined
      const challenge = challengeOf?.(parsed)
      if (challenge !== undefined) return { kind: 'challenge', challenge }

      const providerAccountId = accountIdPath === undefined ? undefined : accountIdAt(parsed, accountIdPath)
      const userIds =
        providerAccountId === undefined ? [] : await userIdsOfAccount(db, integration.id, providerAccountId)
      const eventId = await store.add({
        type: 'webhook.received',
        // One linked user owns the event (and goes with it when erased); several are named in `data.userIds` only.
        userId: userIds.length === 1 ? (userIds[0] ?? null) : null,
        integration: integration.id,
        dedupKey: webhookDedupKey(integration.id, verified.eventId, delivery.body),
        data: {
          integration: integration.id,
          provider: integration.provider,
          providerEventId: verified.eventId ?? null,
          providerAccountId: providerAccountId ?? null,
          userIds,
          receivedAt: new Date().toISOString(),
          body: Buffer.from(delivery.body).toString('utf8'),
        },
      })
      if (eventId === undefined) {
        onOutcome(integration.id, 'duplicate')
        return { kind: 'duplicate' }
      }
      onOutcome(integration.id, 'received')
      return { kind: 'received', eventId }
    },
  }
}
