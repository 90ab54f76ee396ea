/**
 * @module When an event is attempted again after a failed attempt, and when it is given up (docs/http-api.md,
 * "Events"). Pure: no clock and no randomness of its own (the jitter's random number is given), so that tests pin
 * every step.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md (retry schedule)
 */

export interface DeliverySchedule {
  /**
   * The waits before the second, third, … attempt (the first is made at once). After the attempt that follows the
   * last wait fails, the event is dead.
   * @default Standard Webhooks': 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (ten attempts, about three days)
   */
  delaysMs: readonly number[]
  /**
   * Each wait is moved by up to this share of itself, either way, so that events that failed together (the app was
   * down) do not all come back in the same second.
   * @default 0.2
   */
  jitter: number
  /**
   * A `Retry-After` longer than the scheduled wait is honoured up to this; a longer one waits this long (so that a
   * mistaken header cannot park an event beyond its retention).
   * @default 86_400_000 (24 h, the schedule's longest wait)
   */
  maxRetryAfterMs: number
}

const second = 1_000
const minute = 60 * second
const hour = 60 * minute

export const standardWebhooksSchedule: DeliverySchedule = Object.freeze({
  delaysMs: Object.freeze([
    5 * second,
    5 * minute,
    30 * minute,
    2 * hour,
    5 * hour,
    10 * hour,
    14 * hour,
    20 * hour,
    24 * hour,
  ]),
  jitter: 0.2,
  maxRetryAfterMs: 24 * hour,
})

/** How one attempt went, as far as the schedule cares. */
export type AttemptOutcome =
  | { ok: true }
  | {
      ok: false
      /** A short reason for `last_error`: `status 503`, `timeout`, `connection refused`. Never a body or a secret. */
      reason: string
      /** The wait a 429 or 503 asked for with `Retry-After`, when it named one. */
      retryAfterMs?: number | undefined
    }

export type DeliveryDecision =
  | { status: 'delivered' }
  | { status: 'retrying'; delayMs: number; reason: string }
  | { status: 'dead'; reason: string }

export interface DeliveryInput {
  /** Attempts made so far, this one included (1 after the first). */
  attempts: number
  outcome: AttemptOutcome
  schedule: DeliverySchedule
  /** A number in [0, 1) for the jitter. */
  random: number
}

/** Decides the event's state after an attempt: delivered, tried again after a wait, or dead. */
export function decideDelivery(input: DeliveryInput): DeliveryDecision {
  const { outcome, schedule } = input
  if (outcome.ok) return { status: 'delivered' }
  const scheduled = schedule.delaysMs[input.attempts - 1]
  if (scheduled === undefined) return { status: 'dead', reason: outcome.reason }
  const jittered = Math.round(scheduled * (1 + schedule.jitter * (2 * input.random - 1)))
  const asked = Math.min(outcome.retryAfterMs ?? 0, schedule.maxRetryAfterMs)
  return { status: 'retrying', delayMs: Math.max(jittered, asked), reason: outcome.reason }
}
