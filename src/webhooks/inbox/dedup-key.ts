/** @module The key a provider delivery is stored under once, whichever process receives it and however often. */
import { createHash } from 'node:crypto'

/**
 * `<integration>:<provider event id>` when the scheme carries an id (a Stripe event's `id`, `X-GitHub-Delivery`,
 * `webhook-id`, …); else `<integration>:sha256:<hex of the body>`, so that a body sent again is still one event.
 */
export function webhookDedupKey(integration: string, providerEventId: string | undefined, body: Uint8Array): string {
  if (providerEventId !== undefined) return `${integration}:${providerEventId}`
  return `${integration}:sha256:${createHash('sha256').update(body).digest('hex')}`
}
