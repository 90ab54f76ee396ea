/** @module What the dashboard's routes share: their dependencies, and the signed-in session on the context. */
import type { ApiKeys } from '../../api-keys/api-keys.js'
import type { DashboardSession, DashboardSessions } from '../../api-keys/dashboard-sessions.js'
import type { ConnectionService } from '../../connections/connections.js'
import type { Mode } from '../../core/config.js'
import type { JunctionFetch } from '../../library/library-fetch.js'
import type { CallLogs } from '../../logs/call-logs.js'
import type { CallSeries } from '../../logs/call-series.js'
import type { IntegrationHealth } from '../../logs/integration-health.js'
import type { ConnectFlow } from '../../oauth/connect-flow.js'
import type { ResolvedIntegration } from '../../providers/resolve-integration.js'

export interface DashboardDeps {
  publicUrl: string
  mode: Mode
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
  /** Writes the call log's queued rows now, so that a page shown right after a call includes it. */
  flushCallLog(): Promise<void>
}

export interface DashboardEnv {
  Variables: { session: DashboardSession; sessionId: string }
}
