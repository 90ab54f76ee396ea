import { describe, expect, it } from 'vitest'
import type { CallLogEntry } from '../storage/api-logs-store.js'
import { createMetrics } from './metrics.js'

const entry = (statusCode: number | null, responseTimeMs: number, extra: Partial<CallLogEntry> = {}): CallLogEntry => ({
  requestId: 'r',
  userId: 'u_1',
  integration: 'acme',
  provider: 'acme',
  endpoint: '/items',
  method: 'GET',
  statusCode,
  responseTimeMs,
  errorMessage: null,
  ...extra,
})

describe('metrics', () => {
  it('counts calls by status class, token reads apart, with cumulative latency buckets and limiter waits', () => {
    const metrics = createMetrics()
    metrics.observe(entry(200, 3))
    metrics.observe(entry(201, 40, { rateLimitWaitMs: 500 }))
    metrics.observe(entry(503, 2_000))
    metrics.observe(entry(null, 60_000))
    metrics.observe(entry(200, 1, { endpoint: '(token read)' }))
    const text = metrics.render({
      callLog: { buffered: 7, dropped: 2 },
      circuits: () => new Map([['acme', 'half_open' as const]]),
    })
    const lines = text.split('\n')
    expect(lines).toContain('junction_calls_total{integration="acme",status_class="2xx"} 2')
    expect(lines).toContain('junction_calls_total{integration="acme",status_class="5xx"} 1')
    expect(lines).toContain('junction_calls_total{integration="acme",status_class="error"} 1')
    expect(lines).toContain('junction_token_reads_total{integration="acme",status_class="2xx"} 1')
    expect(lines).toContain('junction_call_duration_seconds_bucket{integration="acme",le="0.005"} 1')
    expect(lines).toContain('junction_call_duration_seconds_bucket{integration="acme",le="0.05"} 2')
    expect(lines).toContain('junction_call_duration_seconds_bucket{integration="acme",le="2.5"} 3')
    expect(lines).toContain('junction_call_duration_seconds_bucket{integration="acme",le="+Inf"} 4')
    expect(lines).toContain('junction_call_duration_seconds_count{integration="acme"} 4')
    expect(lines).toContain('junction_rate_limit_waits_total{integration="acme"} 1')
    expect(lines).toContain('junction_rate_limit_wait_seconds_total{integration="acme"} 0.5')
    expect(lines).toContain('junction_call_log_buffered 7')
    expect(lines).toContain('junction_call_log_dropped_total 2')
    expect(lines).toContain('junction_circuit_state{integration="acme",state="half_open"} 1')
    expect(lines).toContain('junction_circuit_state{integration="acme",state="open"} 0')
    expect(text.endsWith('\n')).toBe(true)
    // Every sample belongs to a family declared with # TYPE.
    const families = new Set(lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]))
    for (const line of lines.filter((line) => line !== '' && !line.startsWith('#'))) {
      const name = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, '')
      expect(families.has(name) || families.has(line.split(/[{ ]/)[0])).toBe(true)
    }
  })
})
