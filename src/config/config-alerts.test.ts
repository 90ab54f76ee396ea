/** The thresholds of integration alerts: the top-level `alerts`, and an integration's own over them. */
import { describe, expect, it } from 'vitest'
import { configError, loadTestConfig as load } from '../../test/helpers/config-load.js'

const integration = { provider: 'stripe', apiKey: 'sk_test_x' }

describe('alerts configuration', () => {
  it('defaults to a 20% error rate, a 5 s p95 and 20 calls', () => {
    expect(load({}).alerts).toEqual({ defaults: { errorRate: 0.2, p95Ms: 5_000, minCalls: 20 }, integrations: {} })
  })

  it('takes every top-level key, and an integration replaces only the keys it gives', () => {
    const { alerts } = load({
      alerts: { errorRate: 0.5, p95Ms: 800, minCalls: 3 },
      integrations: { billing: { ...integration, alerts: { p95Ms: 2_000 } }, other: integration },
    })
    expect(alerts.defaults).toEqual({ errorRate: 0.5, p95Ms: 800, minCalls: 3 })
    expect(alerts.integrations).toEqual({ billing: { errorRate: 0.5, p95Ms: 2_000, minCalls: 3 } })
  })

  it('refuses values out of range and unknown keys, naming the path', () => {
    expect(configError(() => load({ alerts: { errorRate: 0 } }))).toMatch(/^config error at alerts\.errorRate: /)
    expect(configError(() => load({ alerts: { errorRate: 1.5 } }))).toMatch(/^config error at alerts\.errorRate: /)
    expect(configError(() => load({ alerts: { p95Ms: 1.5 } }))).toMatch(/^config error at alerts\.p95Ms: /)
    expect(configError(() => load({ alerts: { minCalls: 0 } }))).toMatch(/^config error at alerts\.minCalls: /)
    expect(configError(() => load({ alerts: { window: 60 } }))).toMatch(/^config error at alerts: /)
    expect(
      configError(() => load({ integrations: { billing: { ...integration, alerts: { minCalls: -1 } } } })),
    ).toMatch(/^config error at integrations\.billing\.alerts\.minCalls: /)
  })
})
