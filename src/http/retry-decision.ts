/**
 * @module Whether a failed attempt is tried again, and after how long. Pure: the clock and the randomness are
 * inputs, so tests pin every branch.
 *
 * The idempotency rules (docs/http-api.md, "Retries and idempotency"): GET, HEAD, OPTIONS, PUT and DELETE are retried on network errors and on
 * 408, 429, 500, 502, 503 and 504. POST and PATCH are retried on 429 (the provider refused them, so nothing
 * happened), when the connection failed before anything was sent, and, only for providers that name an idempotency
 * header, in the other cases too when the caller sent that header.
 * @see RFC 9110 §9.2.2 (idempotent methods), §10.2.3 (Retry-After)
 */
import { type HeaderLookup, waitHintMs } from './wait-hints.js'

export interface RetryPolicy {
  /** Attempts in all, the first included. @default 4 */
  maxAttempts: number
  /** @default 250 */
  baseDelayMs: number
  /** @default 30_000 */
  maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 30_000 })

/** How an attempt failed. `connect`: the connection was never made, so nothing reached the provider. */
export type NetworkFailure = 'connect' | 'reset' | 'timeout' | 'other'

export type AttemptOutcome =
  | { kind: 'response'; status: number; header: HeaderLookup }
  | { kind: 'network'; failure: NetworkFailure }

export interface RetryInput {
  /** Attempts made so far (1 after the first). */
  attempt: number
  method: string
  outcome: AttemptOutcome
  policy: RetryPolicy
  /** Whether the request carries the provider's idempotency header (only possible when the provider names one). */
  idempotencyKeySent: boolean
  /** What is left of the call's deadline. */
  remainingMs: number
  /** Epoch milliseconds, for HTTP-date hints. */
  now: number
  /** A number in [0, 1). */
  random: number
}

export type RetryReason =
  | 'network_error'
  | 'connect_failed'
  | 'rate_limited'
  | 'server_error'
  | 'request_timeout'
  | 'not_retryable_status'
  | 'unsafe_to_repeat'
  | 'attempts_exhausted'
  | 'wait_exceeds_budget'

export type RetryDecision =
  | { retry: true; delayMs: number; reason: RetryReason }
  | { retry: false; reason: RetryReason /** The provider's wait hint, when it gave one. */; hintMs?: number }

const retryableStatuses = new Set([408, 429, 500, 502, 503, 504])
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

export function decideRetry(input: RetryInput): RetryDecision {
  const { outcome } = input
  const reason = reasonOf(outcome)
  const hintMs = outcome.kind === 'response' ? waitHintMs(outcome.status, outcome.header, input.now) : undefined
  const giveUp = (why: RetryReason): RetryDecision =>
    hintMs === undefined ? { retry: false, reason: why } : { retry: false, reason: why, hintMs }
  if (outcome.kind === 'response' && !retryableStatuses.has(outcome.status)) return giveUp('not_retryable_status')
  if (!isSafeToRepeat(input.method, outcome, input.idempotencyKeySent)) return giveUp('unsafe_to_repeat')
  if (input.attempt >= input.policy.maxAttempts) return giveUp('attempts_exhausted')
  const delayMs = hintMs ?? fullJitter(input.attempt, input.policy, input.random)
  if (delayMs >= input.remainingMs) return giveUp('wait_exceeds_budget')
  return { retry: true, delayMs, reason }
}

/** Whether sending the request again cannot do a second time what the first attempt may have done. */
function isSafeToRepeat(method: string, outcome: AttemptOutcome, idempotencyKeySent: boolean): boolean {
  if (safeMethods.has(method.toUpperCase())) return true
  if (outcome.kind === 'response' && outcome.status === 429) return true
  if (outcome.kind === 'network' && outcome.failure === 'connect') return true
  return idempotencyKeySent
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base · 2^(attempt−1))). */
export function fullJitter(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random * ceiling)
}

function reasonOf(outcome: AttemptOutcome): RetryReason {
  if (outcome.kind === 'network') return outcome.failure === 'connect' ? 'connect_failed' : 'network_error'
  if (outcome.status === 429) return 'rate_limited'
  if (outcome.status === 408) return 'request_timeout'
  return 'server_error'
}
