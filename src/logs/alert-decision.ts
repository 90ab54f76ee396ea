/**
 * @module Whether an integration's alert state changes, from its calls over the alert window: pure, so that a table of
 * cases pins every branch (docs/configuration.md, "alerts").
 */
import type { AlertThresholds } from '../config/config.js'
import type { IntegrationAlertStatus } from '../storage/schema.js'

export interface WindowCalls {
  calls: number
  errors: number
  p95Ms: number | null
}

/** What crossed its threshold: the error rate, the p95 latency, or both. */
export type AlertReason = 'error_rate' | 'p95'

export type AlertDecision =
  | { change: false }
  | { change: true; to: IntegrationAlertStatus; reasons: readonly AlertReason[] }

/**
 * Degraded when, with at least `minCalls` calls, the error rate or the p95 latency is at or above its threshold;
 * healthy again when, with at least `minCalls` calls, both are below. Fewer calls are too few to judge either way, so a
 * quiet integration keeps the state it had.
 */
export function decideAlert(
  current: IntegrationAlertStatus,
  window: WindowCalls,
  thresholds: AlertThresholds,
): AlertDecision {
  if (window.calls < thresholds.minCalls || window.calls === 0) return { change: false }
  const reasons = breaches(window, thresholds)
  if (current === 'healthy' && reasons.length > 0) return { change: true, to: 'degraded', reasons }
  if (current === 'degraded' && reasons.length === 0) return { change: true, to: 'healthy', reasons }
  return { change: false }
}

export function breaches(window: WindowCalls, thresholds: AlertThresholds): AlertReason[] {
  const reasons: AlertReason[] = []
  if (window.errors / window.calls >= thresholds.errorRate) reasons.push('error_rate')
  if (window.p95Ms !== null && window.p95Ms >= thresholds.p95Ms) reasons.push('p95')
  return reasons
}
