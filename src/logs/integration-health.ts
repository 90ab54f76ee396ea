/**
 * @module `GET /v1/health/integrations`: per integration, over the last 5 minutes and the last 24 hours, how calls to
 * the provider went (count, error rate, p50 and p95 latency, rate-limit waits), how many refreshes failed, and the
 * state of its circuit; and how many provider webhooks were stored and refused.
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import type { CircuitState } from '../http/circuit-breaker.js'
import { webhooksReceivedSince } from '../storage/events-store.js'
import { type CallFigures, callFigures, refreshFailures } from '../storage/health-store.js'
import type { Schema } from '../storage/schema.js'

export interface WindowFigures {
  calls: number
  /** Share of calls that ended in no answer or a 4xx/5xx, 0 to 1; null without calls. */
  errorRate: number | null
  p50Ms: number | null
  p95Ms: number | null
  rateLimitWaits: number
  rateLimitWaitMs: number
  refreshFailures: number
  /** Provider webhooks stored (by every process), and refused (by this process, which alone knows of them). */
  webhooks: { received: number; refused: number }
}

export interface IntegrationHealthReport {
  integration: string
  provider: string
  circuit: CircuitState
  last5m: WindowFigures
  last24h: WindowFigures
  /** Events about this integration sent to `events.url` by this process since it started (as `/metrics` counts). */
  events: { delivered: number; failedAttempts: number; dead: number }
}

export interface IntegrationHealth {
  report(): Promise<IntegrationHealthReport[]>
}

const windows = { last5m: 5 * 60_000, last24h: 24 * 3_600_000 } as const

export function createIntegrationHealth(deps: {
  db: Kysely<Schema>
  integrations: ReadonlyMap<string, ResolvedIntegration>
  /** The worst circuit state of each integration's calls; integrations not named are closed. */
  circuits: () => ReadonlyMap<string, CircuitState>
  /** Webhooks refused since a time, per integration (kept in memory: a refusal stores nothing). */
  webhookRefusals?: (since: Date) => ReadonlyMap<string, number>
  /** The events delivery worker's counts for an integration. */
  eventDelivery?: (integration: string) => { delivered: number; failedAttempts: number; dead: number }
}): IntegrationHealth {
  async function window(ms: number) {
    const since = new Date(Date.now() - ms)
    const [calls, failures, received] = await Promise.all([
      callFigures(deps.db, since),
      refreshFailures(deps.db, since),
      webhooksReceivedSince(deps.db, since),
    ])
    const refused = deps.webhookRefusals?.(since) ?? new Map<string, number>()
    const byIntegration = new Map(calls.map((figures) => [figures.integration, figures]))
    return (integration: string): WindowFigures => ({
      ...figuresOf(byIntegration.get(integration), failures.get(integration)),
      webhooks: { received: received.get(integration) ?? 0, refused: refused.get(integration) ?? 0 },
    })
  }

  return {
    async report() {
      const [last5m, last24h] = await Promise.all([window(windows.last5m), window(windows.last24h)])
      const circuits = deps.circuits()
      return [...deps.integrations.values()]
        .map((integration) => ({
          integration: integration.id,
          provider: integration.provider,
          circuit: circuits.get(integration.id) ?? 'closed',
          last5m: last5m(integration.id),
          last24h: last24h(integration.id),
          events: { ...(deps.eventDelivery?.(integration.id) ?? { delivered: 0, failedAttempts: 0, dead: 0 }) },
        }))
        .sort((a, b) => a.integration.localeCompare(b.integration))
    },
  }
}

function figuresOf(
  calls: CallFigures | undefined,
  refreshFailures: number | undefined,
): Omit<WindowFigures, 'webhooks'> {
  return {
    calls: calls?.calls ?? 0,
    errorRate: calls === undefined || calls.calls === 0 ? null : calls.errors / calls.calls,
    p50Ms: calls?.p50Ms ?? null,
    p95Ms: calls?.p95Ms ?? null,
    rateLimitWaits: calls?.rateLimitWaits ?? 0,
    rateLimitWaitMs: calls?.rateLimitWaitMs ?? 0,
    refreshFailures: refreshFailures ?? 0,
  }
}
