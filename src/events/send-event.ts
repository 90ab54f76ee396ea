/**
 * @module One attempt at sending an event to the app's `events.url` (docs/http-api.md, "Events"): `POST` with the
 * body `{id, type, createdAt, data}`, signed with Standard Webhooks under every events secret (one `v1,…` signature
 * each, so that the app may rotate), through Junction's HTTP client with the egress rules, no redirect followed and
 * one attempt per call (the schedule decides retries). The outcome is short and safe to store: never the app's
 * answer body, never a secret.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { Webhook } from 'standardwebhooks'
import { isJunctionError } from '../core/errors.js'
import type { HttpClient } from '../http/client.js'
import { isHttpError } from '../http/http-error.js'
import { waitHintMs } from '../http/wait-hints.js'
import type { AttemptOutcome } from './delivery-schedule.js'

/** An event as the app receives it: also what `verifyJunctionEvent` returns. */
export interface OutgoingEvent {
  id: string
  type: string
  createdAt: Date
  data: unknown
}

export interface SendEventOptions {
  url: string
  /** `whsec_…` secrets; the event is signed with each. */
  secrets: readonly string[]
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** @default () => new Date() */
  now?: () => Date
}

/** The statuses whose `Retry-After` the schedule honours (RFC 9110 §10.2.3: 503 and 429 carry it). */
const waitStatuses = new Set([429, 503])

/** Signs the body with each secret: the `webhook-*` headers of one attempt. */
export function signEvent(
  id: string,
  body: string,
  secrets: readonly string[],
  at: Date,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    // Space-separated, one entry per secret: the receiver accepts the event if any one verifies.
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  }
}

export function eventBody(event: OutgoingEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data })
}

/** Makes one attempt. Never throws for the app's answer or the network; an abort by `signal` does throw. */
export async function sendEvent(
  http: HttpClient,
  event: OutgoingEvent,
  options: SendEventOptions,
): Promise<AttemptOutcome> {
  const body = eventBody(event)
  const at = (options.now ?? (() => new Date()))()
  try {
    const response = await http.request({
      method: 'POST',
      path: options.url,
      headers: { 'content-type': 'application/json', ...signEvent(event.id, body, options.secrets, at) },
      body,
      retry: false,
      timeoutMs: options.timeoutMs,
      deadlineMs: options.timeoutMs,
      // A 2xx body means nothing here: it is not read, only cancelled.
      stream: true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    await response.stream?.cancel().catch(() => undefined)
    return { ok: true }
  } catch (error) {
    if (options.signal?.aborted) throw error
    return failedAttempt(error)
  }
}

function failedAttempt(error: unknown): AttemptOutcome {
  if (isHttpError(error)) {
    // A 3xx lands here too: the client follows no redirect, and the event was not taken.
    const retryAfterMs = waitStatuses.has(error.status)
      ? waitHintMs(error.status, (name) => (name === 'retry-after' ? error.headers[name] : undefined), Date.now())
      : undefined
    return { ok: false, reason: `status ${error.status}`, retryAfterMs }
  }
  if (!isJunctionError(error)) return { ok: false, reason: 'network error' }
  switch (error.code) {
    case 'timeout':
      return { ok: false, reason: 'timeout' }
    case 'egress_blocked':
      return { ok: false, reason: 'egress blocked' }
    case 'response_too_large':
      return { ok: false, reason: 'response too large' }
    default:
      return { ok: false, reason: hasCode(error, 'ECONNREFUSED') ? 'connection refused' : 'network error' }
  }
}

/** Whether an error or one of its causes carries the system error `code`. */
function hasCode(error: unknown, code: string): boolean {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 6; depth++) {
    if ((current as { code?: unknown }).code === code) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
