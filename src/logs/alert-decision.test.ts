import { describe, expect, it } from 'vitest'
import { type AlertDecision, decideAlert, type WindowCalls } from './alert-decision.js'

const thresholds = { errorRate: 0.2, p95Ms: 1_000, minCalls: 10 }
const calls = (calls: number, errors: number, p95Ms: number | null = 100): WindowCalls => ({ calls, errors, p95Ms })

describe('decideAlert', () => {
  const cases: Array<[string, 'healthy' | 'degraded', WindowCalls, AlertDecision]> = [
    ['healthy, calls going well', 'healthy', calls(50, 1), { change: false }],
    [
      'healthy, error rate at the threshold',
      'healthy',
      calls(50, 10),
      { change: true, to: 'degraded', reasons: ['error_rate'] },
    ],
    [
      'healthy, p95 at the threshold',
      'healthy',
      calls(50, 0, 1_000),
      { change: true, to: 'degraded', reasons: ['p95'] },
    ],
    [
      'healthy, both crossed',
      'healthy',
      calls(10, 10, 5_000),
      { change: true, to: 'degraded', reasons: ['error_rate', 'p95'] },
    ],
    ['healthy, every call failed but too few', 'healthy', calls(9, 9, 5_000), { change: false }],
    ['healthy, no calls', 'healthy', calls(0, 0, null), { change: false }],
    ['degraded, still failing', 'degraded', calls(50, 20), { change: false }],
    ['degraded, still slow', 'degraded', calls(50, 0, 2_000), { change: false }],
    ['degraded, both below again', 'degraded', calls(50, 9, 999), { change: true, to: 'healthy', reasons: [] }],
    [
      'degraded, no answers with a latency (no p95)',
      'degraded',
      calls(10, 0, null),
      { change: true, to: 'healthy', reasons: [] },
    ],
    ['degraded, too quiet to judge', 'degraded', calls(3, 0), { change: false }],
  ]
  it.each(cases)('%s', (_name, current, window, expected) => {
    expect(decideAlert(current, window, thresholds)).toEqual(expected)
  })

  it('holds minCalls of 1 to at least one call', () => {
    expect(decideAlert('healthy', calls(0, 0, null), { ...thresholds, minCalls: 1 })).toEqual({ change: false })
    expect(decideAlert('healthy', calls(1, 1), { ...thresholds, minCalls: 1 })).toMatchObject({ to: 'degraded' })
  })
})
