/**
 * @module The sandbox's webhooks: what a provider sends when something changes on an account (`item.created`),
 * signed with Standard Webhooks, so that a newcomer sees the whole loop offline. Sent in the background: the API
 * call that caused it never waits for the delivery, and a failed delivery is only reported.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

export interface SandboxWebhookTarget {
  /** Where deliveries go: the hub's `/webhooks/sandbox`. */
  url: string
  /** `whsec_…`: the sandbox integration's webhook secret. */
  secret: string
  /** Told of a delivery that failed (no answer, or not a 2xx). */
  onError?: (error: Error) => void
  /**
   * How long one delivery may take.
   * @default 10_000
   */
  timeoutMs?: number
}

export interface SandboxEvent {
  type: string
  /** The account the event happened on, as the token response names it (`account_id`). */
  accountId: string
  data: Record<string, unknown>
}

/** Sends one event, without waiting for it (the returned promise settles when the delivery is over, for tests). */
export function sendSandboxWebhook(target: SandboxWebhookTarget, event: SandboxEvent): Promise<void> {
  const id = `msg_${randomBytes(12).toString('base64url')}`
  const now = new Date()
  const body = JSON.stringify({
    type: event.type,
    timestamp: now.toISOString(),
    account_id: event.accountId,
    data: event.data,
  })
  const signature = new Webhook(target.secret).sign(id, now, body)
  return fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
    signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
  }).then(
    async (response) => {
      await response.body?.cancel()
      if (!response.ok) target.onError?.(new Error(`the webhook was answered ${response.status}`))
    },
    (error: unknown) => target.onError?.(error instanceof Error ? error : new Error(String(error))),
  )
}
