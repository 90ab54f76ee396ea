/**
 * @module Integration alerts: every round, each integration's calls over the last 5 minutes are held against its
 * thresholds, and a change of state is announced once, as an `integration.degraded` or `integration.recovered` event
 * in the outbox (docs/http-api.md, "Events"). The state is stored, so a restarted hub does not announce again what was
 * announced, and the change is conditional on the state it was decided from, so two hubs on one database announce it
 * once. Timers do not keep the process alive; `stop()` ends them and waits for a round in progress.
 */
import type { Kysely } from 'kysely'
import type { AlertThresholds, JunctionOptions } from '../config/config.js'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import type { Logger } from '../core/logger.js'
import { callFigures } from '../storage/health-store.js'
import {
  type AlertState,
  alertStates,
  initialAlertState,
  recordAlertChange,
} from '../storage/integration-alerts-store.js'
import type { IntegrationAlertStatus, Schema } from '../storage/schema.js'
import { type AlertReason, decideAlert } from './alert-decision.js'

export interface AlertWatchOptions {
  /** How often a round runs. @default 30_000 */
  everyMs: number
  /** The period whose calls are judged. @default 300_000 (5 minutes) */
  windowMs: number
}

export const defaultAlertWatchOptions: AlertWatchOptions = Object.freeze({ everyMs: 30_000, windowMs: 300_000 })

/** The `data` of `integration.degraded` and `integration.recovered`. */
export interface IntegrationAlertData {
  integration: string
  provider: string
  status: IntegrationAlertStatus
  /** What crossed its threshold (empty when recovered). */
  reasons: readonly AlertReason[]
  window: { seconds: number; calls: number; errors: number; errorRate: number; p95Ms: number | null }
  thresholds: AlertThresholds
}

export interface AlertChange {
  eventId: string
  type: 'integration.degraded' | 'integration.recovered'
  data: IntegrationAlertData
}

export interface AlertWatch {
  /** One round, now: the changes this process recorded (tests call it directly). */
  runOnce(): Promise<AlertChange[]>
  /** Each integration's stored state, for the dashboard (an integration never degraded is healthy). */
  states(): Promise<ReadonlyMap<string, AlertState>>
  stop(): Promise<void>
}

/** An integration's thresholds: its own `alerts`, else the top-level ones (docs/configuration.md, "alerts"). */
export function alertThresholdsOf(alerts: JunctionOptions['alerts']): (integration: string) => AlertThresholds {
  return (integration) => alerts.integrations[integration] ?? alerts.defaults
}

export interface AlertWatchDeps {
  db: Kysely<Schema>
  integrations: ReadonlyMap<string, ResolvedIntegration>
  thresholds: (integration: string) => AlertThresholds
  logger: Logger
  options?: Partial<AlertWatchOptions> | undefined
  /** @default Date.now */
  now?: () => number
}

/** The watch without its timer: `runOnce` and `states` only (what the dashboard reads, and tests drive). */
export function createAlertWatch(deps: AlertWatchDeps): Omit<AlertWatch, 'stop'> {
  const { windowMs } = { ...defaultAlertWatchOptions, ...deps.options }
  const now = deps.now ?? Date.now

  async function runOnce(): Promise<AlertChange[]> {
    const [figures, states] = await Promise.all([
      callFigures(deps.db, new Date(now() - windowMs)),
      alertStates(deps.db),
    ])
    const byIntegration = new Map(figures.map((row) => [row.integration, row]))
    const changes: AlertChange[] = []
    for (const integration of deps.integrations.values()) {
      const window = byIntegration.get(integration.id) ?? { calls: 0, errors: 0, p95Ms: null }
      const from = states.get(integration.id) ?? initialAlertState
      const thresholds = deps.thresholds(integration.id)
      const decision = decideAlert(from.status, window, thresholds)
      if (!decision.change) continue
      const type = decision.to === 'degraded' ? 'integration.degraded' : 'integration.recovered'
      const data: IntegrationAlertData = {
        integration: integration.id,
        provider: integration.provider,
        status: decision.to,
        reasons: decision.reasons,
        window: {
          seconds: Math.round(windowMs / 1000),
          calls: window.calls,
          errors: window.errors,
          errorRate: window.errors / window.calls,
          p95Ms: window.p95Ms,
        },
        thresholds,
      }
      const eventId = await recordAlertChange(deps.db, {
        integration: integration.id,
        from,
        to: decision.to,
        event: { type, userId: null, integration: integration.id, data: { ...data } },
      })
      // Undefined: another hub recorded this change first.
      if (eventId === undefined) continue
      const level = decision.to === 'degraded' ? 'warn' : 'info'
      deps.logger[level]({ integration: integration.id, reasons: decision.reasons }, type)
      changes.push({ eventId, type, data })
    }
    return changes
  }

  return { runOnce, states: () => alertStates(deps.db) }
}

export function startAlertWatch(deps: AlertWatchDeps): AlertWatch {
  const { everyMs } = { ...defaultAlertWatchOptions, ...deps.options }
  const watch = createAlertWatch(deps)
  let round: Promise<unknown> = Promise.resolve()
  let running = false
  const timer = setInterval(() => {
    // A round slower than the interval (a silent database) is not joined by more: the tick is skipped.
    if (running) return
    running = true
    round = watch
      .runOnce()
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'an alert round failed'))
      .finally(() => {
        running = false
      })
  }, everyMs)
  timer.unref()
  return {
    ...watch,
    async stop() {
      clearInterval(timer)
      await round
    },
  }
}
