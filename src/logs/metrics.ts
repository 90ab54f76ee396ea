/**
 * @module Prometheus metrics (text exposition format 0.0.4), fed by every call-log row: calls per integration and
 * status class, a latency histogram per integration, rate-limiter waits, token reads; and, read when scraped, the
 * call-log writer's buffer and drops and each integration's circuit state.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import type { CircuitState } from '../http/circuit-breaker.js'
import { type CallLogEntry, tokenReadEndpoint } from '../storage/api-logs-store.js'

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const circuitStates: readonly CircuitState[] = ['closed', 'half_open', 'open']

export interface MetricsSources {
  callLog: { readonly buffered: number; readonly dropped: number }
  circuits(): ReadonlyMap<string, CircuitState>
}

export interface Metrics {
  /** Counts one call-log row (a proxied or library call, or a token read). */
  observe(entry: CallLogEntry): void
  render(sources: MetricsSources): string
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

      family(
        'junction_circuit_state',
        'gauge',
        "1 for each integration's current circuit state (its worst connection).",
      )
      for (const [integration, current] of sources.circuits()) {
        for (const state of circuitStates)
          out.push(`junction_circuit_state{${labels({ integration, state })}} ${state === current ? 1 : 0}`)
      }
      return `${out.join('\n')}\n`
    },
  }
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
