/**
 * @module Prometheus metrics (text exposition format 0.0.4), fed by every call-log row: calls per integration and
 * status class, a latency histogram per integration, rate-limiter waits, token reads; and, read when scraped, the
 * call-log writer's buffer and drops and each integration's circuit state; providers' webhooks received, refused
 * (by reason) and duplicated, per integration.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import type { CircuitState } from '../http/circuit-breaker.js'
import { type CallLogEntry, tokenReadEndpoint } from '../storage/api-logs-store.js'

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const circuitStates: readonly CircuitState[] = ['closed', 'half_open', 'open']

export interface MetricsSources {
  callLog: { readonly buffered: number; readonly dropped: number }
  circuits(): ReadonlyMap<string, CircuitState>
  /** The events delivery worker's counts per integration (`''`: events about none) and its backlog's age. */
  eventDelivery?: {
    counts(): ReadonlyMap<string, { delivered: number; failedAttempts: number; dead: number }>
    oldestUndeliveredAgeSeconds(): number
  }
}

export interface Metrics {
  /** Counts one call-log row (a proxied or library call, or a token read). */
  observe(entry: CallLogEntry): void
  render(sources: MetricsSources): string
  /** Counts one provider webhook: stored, a duplicate, or refused (with why: for operators, never the sender). */
  observeWebhook(integration: string, outcome: 'received' | 'duplicate' | 'refused', reason?: string): void
  /** Webhooks this process refused since `since` (at most a day back), per integration. */
  webhookRefusalsSince(since: Date): ReadonlyMap<string, number>
}

interface Histogram {
  counts: number[]
  sum: number
  count: number
}

export function createMetrics(): Metrics {
  const calls = new Map<string, number>()
  const durations = new Map<string, Histogram>()
  const waits = new Map<string, { count: number; seconds: number }>()
  const tokenReads = new Map<string, number>()
  const webhooks = { received: new Map<string, number>(), duplicate: new Map<string, number>() }
  const refusals = new Map<string, number>()
  const refusalMinutes = createMinuteTally()
  // Label sets formatted once each, not on every call: integrations are configured, so there are few of them.
  const formatted = new Map<string, string>()
  const labelsOf = (integration: string, status?: number | null) => {
    const statusLabel = status === undefined ? undefined : statusClass(status)
    const key = statusLabel === undefined ? integration : `${integration}\n${statusLabel}`
    let text = formatted.get(key)
    if (text === undefined) {
      text = labels(statusLabel === undefined ? { integration } : { integration, status_class: statusLabel })
      formatted.set(key, text)
    }
    return text
  }

  return {
    observe(entry) {
      if (entry.endpoint === tokenReadEndpoint) {
        increment(tokenReads, labelsOf(entry.integration, entry.statusCode))
        return
      }
      increment(calls, labelsOf(entry.integration, entry.statusCode))
      const seconds = entry.responseTimeMs / 1000
      const key = labelsOf(entry.integration)
      let histogram = durations.get(key)
      if (histogram === undefined) {
        histogram = { counts: durationBuckets.map(() => 0), sum: 0, count: 0 }
        durations.set(key, histogram)
      }
      for (const [index, bound] of durationBuckets.entries()) if (seconds <= bound) histogram.counts[index]! += 1
      histogram.sum += seconds
      histogram.count += 1
      if ((entry.rateLimitWaitMs ?? 0) > 0) {
        const wait = waits.get(key) ?? { count: 0, seconds: 0 }
        wait.count += 1
        wait.seconds += (entry.rateLimitWaitMs ?? 0) / 1000
        waits.set(key, wait)
      }
    },

    observeWebhook(integration, outcome, reason) {
      if (outcome !== 'refused') {
        increment(webhooks[outcome], labels({ integration }))
        return
      }
      increment(refusals, labels({ integration, reason: reason ?? 'unknown' }))
      refusalMinutes.add(integration)
    },

    webhookRefusalsSince: (since) => refusalMinutes.since(since),

    render(sources) {
      const out: string[] = []
      const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string) =>
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)

      family('junction_calls_total', 'counter', 'Calls to providers, by integration and status class.')
      for (const [key, value] of calls) out.push(`junction_calls_total{${key}} ${value}`)

      family('junction_call_duration_seconds', 'histogram', 'Duration of calls to providers, retries included.')
      for (const [key, histogram] of durations) {
        for (const [index, bound] of durationBuckets.entries())
          out.push(`junction_call_duration_seconds_bucket{${key},le="${bound}"} ${histogram.counts[index]}`)
        out.push(`junction_call_duration_seconds_bucket{${key},le="+Inf"} ${histogram.count}`)
        out.push(`junction_call_duration_seconds_sum{${key}} ${histogram.sum}`)
        out.push(`junction_call_duration_seconds_count{${key}} ${histogram.count}`)
      }

      family('junction_rate_limit_waits_total', 'counter', 'Calls that waited for the rate limiter.')
      for (const [key, wait] of waits) out.push(`junction_rate_limit_waits_total{${key}} ${wait.count}`)
      family('junction_rate_limit_wait_seconds_total', 'counter', 'Time calls spent waiting for the rate limiter.')
      for (const [key, wait] of waits) out.push(`junction_rate_limit_wait_seconds_total{${key}} ${wait.seconds}`)

      family('junction_token_reads_total', 'counter', 'Reads of connection tokens, by integration and status class.')
      for (const [key, value] of tokenReads) out.push(`junction_token_reads_total{${key}} ${value}`)

      family('junction_call_log_buffered', 'gauge', 'Call-log rows waiting to be written.')
      out.push(`junction_call_log_buffered ${sources.callLog.buffered}`)
      family('junction_call_log_dropped_total', 'counter', 'Call-log rows dropped because the buffer was full.')
      out.push(`junction_call_log_dropped_total ${sources.callLog.dropped}`)

      family('junction_webhooks_received_total', 'counter', 'Provider webhooks verified and stored, by integration.')
      for (const [key, value] of webhooks.received) out.push(`junction_webhooks_received_total{${key}} ${value}`)
      family('junction_webhooks_refused_total', 'counter', 'Provider webhooks refused, by integration and reason.')
      for (const [key, value] of refusals) out.push(`junction_webhooks_refused_total{${key}} ${value}`)
      family('junction_webhooks_duplicates_total', 'counter', 'Provider webhooks verified but stored already.')
      for (const [key, value] of webhooks.duplicate) out.push(`junction_webhooks_duplicates_total{${key}} ${value}`)

      family(
        'junction_circuit_state',
        'gauge',
        "1 for each integration's current circuit state (its worst connection).",
      )
      for (const [integration, current] of sources.circuits()) {
        for (const state of circuitStates)
          out.push(`junction_circuit_state{${labels({ integration, state })}} ${state === current ? 1 : 0}`)
      }
      if (sources.eventDelivery !== undefined) renderEventDelivery(sources.eventDelivery, family, out)
      return `${out.join('\n')}\n`
    },
  }
}

/** Counts per integration and minute over the last day: enough for "in the last 5 minutes, 24 hours" figures. */
function createMinuteTally() {
  const minutes = new Map<number, Map<string, number>>()
  const dayMinutes = 24 * 60
  return {
    add(integration: string, now = Date.now()) {
      const minute = Math.floor(now / 60_000)
      for (const old of minutes.keys()) if (old <= minute - dayMinutes) minutes.delete(old)
      const counts = minutes.get(minute) ?? new Map<string, number>()
      counts.set(integration, (counts.get(integration) ?? 0) + 1)
      minutes.set(minute, counts)
    },
    since(since: Date): Map<string, number> {
      const from = Math.floor(since.getTime() / 60_000)
      const totals = new Map<string, number>()
      for (const [minute, counts] of minutes) {
        if (minute < from) continue
        for (const [integration, count] of counts) totals.set(integration, (totals.get(integration) ?? 0) + count)
      }
      return totals
    },
  }
}

/** Events sent to the app: delivered, failed attempts, given up, and how long the oldest one has waited. */
function renderEventDelivery(
  source: NonNullable<MetricsSources['eventDelivery']>,
  family: (name: string, type: 'counter' | 'gauge', help: string) => void,
  out: string[],
): void {
  const counts = [...source.counts()]
  const series = [
    ['junction_events_delivered_total', 'Events delivered to events.url, by integration.', 'delivered'],
    [
      'junction_events_failed_attempts_total',
      'Attempts to deliver an event that failed, by integration.',
      'failedAttempts',
    ],
    ['junction_events_dead_total', 'Events given up after their last attempt failed, by integration.', 'dead'],
  ] as const
  for (const [name, help, field] of series) {
    family(name, 'counter', help)
    for (const [integration, count] of counts) out.push(`${name}{${labels({ integration })}} ${count[field]}`)
  }
  family('junction_events_oldest_pending_age_seconds', 'gauge', 'Age of the oldest event not delivered yet (0: none).')
  out.push(`junction_events_oldest_pending_age_seconds ${source.oldestUndeliveredAgeSeconds()}`)
}

function statusClass(status: number | null): string {
  return status === null ? 'error' : `${Math.floor(status / 100)}xx`
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

/** `name="value",…` with values escaped as the text format requires. */
function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',')
}
