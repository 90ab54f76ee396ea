/** @module What the dashboard's routes share: their dependencies, and the signed-in session on the context. */
import type { ApiKeys } from '../../api-keys/api-keys.js'
import type { DashboardSession, DashboardSessions } from '../../api-keys/dashboard-sessions.js'
import type { Mode } from '../../config/config.js'
import type { ResolvedIntegration } from '../../config/resolve-integration.js'
import type { ConnectFlow } from '../../connections/connect-flow.js'
import type { ConnectionService } from '../../connections/connections.js'
import type { CallLogs } from '../../logs/call-logs.js'
import type { CallSeries } from '../../logs/call-series.js'
import type { IntegrationHealth } from '../../logs/integration-health.js'
import type { Usage } from '../../logs/usage.js'
import type { JunctionFetch } from '../../proxy/proxy-fetch.js'
import type { AlertState } from '../../storage/integration-alerts-store.js'
import type { EventFeed } from '../../webhooks/event-feed.js'
import type { Notice } from './layout.js'
import type { PageRecords } from './page-records.js'
import type { TryRequestInput, TryRequestResult } from './try-request.js'

export interface DashboardDeps {
  publicUrl: string
  mode: Mode
  /** Where a development hub writes its first API key (`<dataDir>/initial-api-key`); said on the sign-in page. */
  initialApiKeyFile?: string | undefined
  sessions: DashboardSessions
  apiKeys: ApiKeys
  integrations: ReadonlyMap<string, ResolvedIntegration>
  connections: ConnectionService
  connectFlow: ConnectFlow
  /** Calls through the proxy, as `junction.fetch` does ("Try a request"). */
  fetch: JunctionFetch
  logs: CallLogs
  health: IntegrationHealth
  series: CallSeries
  /** Usage for billing: the Usage page (absent: no such page). */
  usage?: Usage | undefined
  /** Each integration's alert state (absent: none shown). */
  alerts?: (() => Promise<ReadonlyMap<string, AlertState>>) | undefined
  /** The events and their delivery state, as `/v1/events` reads them; redelivery. */
  events: EventFeed
  /** The most rows one call-log export holds. @default 100_000 */
  maxExportRows?: number
  /** Writes the call log's queued rows now, so that a page shown right after a call includes it. */
  flushCallLog(): Promise<void>
  /** What a form's answer shows after its redirect, kept in the database so that any instance serves that page. */
  records: PageRecords<DashboardRecord>
}

export interface DashboardEnv {
  Variables: { session: DashboardSession; sessionId: string }
}

/** What a form's answer shows on the page it redirects to (Post/Redirect/Get). */
export type DashboardRecord =
  | { kind: 'notice'; notice: Notice }
  | { kind: 'new-key'; name: string; key: string }
  | {
      kind: 'tried'
      input: TryRequestInput
      outcome: { ok: true; value: TryRequestResult } | { ok: false; message: string }
    }

/** What every group of dashboard routes works with besides its dependencies. */
export interface DashboardContext {
  /** The hub's path prefix ('' at the root): links and redirects are absolute paths under it. */
  base: string
  records: PageRecords<DashboardRecord>
}
