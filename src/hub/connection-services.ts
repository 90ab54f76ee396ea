/** @module Composes the connection services of a hub: integrations, the OAuth HTTP client, connection state, revoker. */
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import type { JunctionOptions } from '../config/config.js'
import { type ResolvedIntegration, resolveIntegration } from '../config/resolve-integration.js'
import { type AppCredentials, createAppCredentials } from '../connections/app-credentials.js'
import { type ConnectFlow, type ConnectFlowOptions, createConnectFlow } from '../connections/connect-flow.js'
import {
  type ConnectionState,
  createConnectionState,
  defaultRefreshOptions,
  type RefreshOptions,
} from '../connections/connection-state.js'
import { type ConnectionService, createConnectionService } from '../connections/connections.js'
import {
  type CredentialCacheOptions,
  createCredentialCache,
  defaultCredentialCacheOptions,
} from '../connections/credential-cache.js'
import {
  createRevoker,
  defaultRevocationOptions,
  type RevocationOptions,
  type Revoker,
} from '../connections/revoker.js'
import { createUserErasure, type UserErasure } from '../connections/user-erasure.js'
import { dashboardConnectionsPath } from '../core/dashboard-paths.js'
import { newRowId } from '../core/ids.js'
import type { Logger } from '../core/logger.js'
import { createHttpClient, type HttpClient } from '../http/client.js'
import { type CallLogWriter, type CallLogWriterOptions, createCallLogWriter } from '../logs/call-log-writer.js'
import { createMetrics, type Metrics } from '../logs/metrics.js'
import { sandboxClient, sandboxWebhookSecret } from '../sandbox/sandbox-app.js'
import { sandboxShapedIntegrations } from '../sandbox/sandbox-shapes.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'

export interface ConnectionServicesOptions {
  refresh?: Partial<RefreshOptions>
  revocation?: Partial<RevocationOptions>
  connect?: Partial<Pick<ConnectFlowOptions, 'sessionTtlMs' | 'tokenTimeoutMs'>>
  callLog?: Partial<CallLogWriterOptions>
  credentialCache?: Partial<CredentialCacheOptions>
}

export interface ConnectionServices {
  readonly integrations: ReadonlyMap<string, ResolvedIntegration>
  /** Token, revocation and (later) proxy calls go out through this client: the egress rules apply to all. */
  readonly http: HttpClient
  readonly connections: ConnectionService
  /** Erasing everything of one end user. */
  readonly users: UserErasure
  /** Counters and histograms of every logged call. */
  readonly metrics: Metrics
  /** Where calls and token reads are logged (in batches, off the request path). */
  readonly callLog: CallLogWriter
  readonly connectFlow: ConnectFlow
  /** Credentials of app-level integrations (their own API key, or a client-credentials token). */
  readonly appCredentials: AppCredentials
  readonly revoker: Revoker
  /** Refreshes and every other change of a connection's state (the background keep-alive uses it). */
  readonly connectionState: ConnectionState
  close(): Promise<void>
}

export interface ConnectionServicesDeps {
  options: JunctionOptions
  db: Kysely<Schema>
  vault: Vault
  logger: Logger
  tuning?: ConnectionServicesOptions
  /** Given when the development sandbox is served: adds its ready `sandbox` integration. */
  sandboxSecret?: Buffer | undefined
}

export function createConnectionServices(deps: ConnectionServicesDeps): ConnectionServices {
  const { options, db, vault, logger, tuning = {}, sandboxSecret } = deps
  const providers = options.registry
  const integrations = new Map(
    Object.values(options.integrations).map((integration) => [
      integration.id,
      resolveIntegration(integration, providers),
    ]),
  )
  // In development, a ready `sandbox` integration (unless the config names one itself).
  if (sandboxSecret !== undefined && !integrations.has('sandbox')) {
    const client = sandboxClient(sandboxSecret)
    integrations.set(
      'sandbox',
      resolveIntegration(
        {
          id: 'sandbox',
          provider: 'sandbox',
          authType: 'oauth2',
          ...client,
          apiKey: undefined,
          webhookSecrets: [sandboxWebhookSecret(sandboxSecret)],
          scopes: ['items:read', 'items:write'],
          overrides: { rateLimit: undefined, api: undefined, auth: undefined, displayName: undefined },
        },
        providers,
      ),
    )
  }
  // Beside it, `sandbox-slack` and `sandbox-hubspot`: its Slack- and HubSpot-shaped APIs, with its OAuth.
  const sandbox = sandboxSecret === undefined ? undefined : integrations.get('sandbox')
  if (sandbox?.provider === 'sandbox') {
    for (const shaped of sandboxShapedIntegrations(sandbox))
      if (!integrations.has(shaped.id)) integrations.set(shaped.id, shaped)
  }
  const tuned = { ...defaultRefreshOptions, ...tuning.refresh }
  // The token endpoint's timeout stays below the lease, so that a lease never expires under a live call.
  const refreshOptions = { ...tuned, tokenTimeoutMs: Math.min(tuned.tokenTimeoutMs, Math.floor(tuned.leaseMs * 0.8)) }
  // Token endpoints are called once per grant (codes are single-use, rotating refresh tokens too): no retries here.
  const http = createHttpClient({ egress: options.egress, retry: false })
  const credentialCache = createCredentialCache({ ...defaultCredentialCacheOptions, ...tuning.credentialCache })
  const connectionState = createConnectionState({
    db,
    vault,
    http,
    owner: `${hostname()}:${process.pid}:${newRowId().slice(0, 8)}`,
    options: refreshOptions,
    credentialCache,
    onUnreadable: (error, row) =>
      logger.error(
        { err: error, connectionId: row.id, integration: row.integration },
        'sealed credentials did not open',
      ),
    logger,
  })
  const revoker = createRevoker({ db, vault, http, options: { ...defaultRevocationOptions, ...tuning.revocation } })
  const metrics = createMetrics()
  const callLog = createCallLogWriter({
    db,
    logger,
    onRecord: metrics.observe,
    ...(tuning.callLog === undefined ? {} : { options: tuning.callLog }),
  })
  const connections = createConnectionService({
    db,
    vault,
    integrations,
    state: connectionState,
    revoker,
    callLog,
    refreshTiming: tuned,
    credentialCache,
  })
  const connectFlow = createConnectFlow({
    db,
    vault,
    http,
    integrations,
    connections,
    options: {
      publicUrl: options.publicUrl,
      // The dashboard's connections page may always be returned to: its "Connect" opens a link in this browser.
      allowedReturnUrls: [...options.allowedReturnUrls, `${options.publicUrl}${dashboardConnectionsPath}`],
      sessionTtlMs: 600_000,
      tokenTimeoutMs: 20_000,
      ...tuning.connect,
    },
  })
  const appCredentials = createAppCredentials({
    http,
    timing: refreshOptions,
    tokenTimeoutMs: refreshOptions.tokenTimeoutMs,
  })
  const users = createUserErasure({ db, connections, state: connectionState, integrations, callLog })
  return {
    integrations,
    http,
    connections,
    users,
    metrics,
    callLog,
    connectFlow,
    appCredentials,
    revoker,
    connectionState,
    close: async () => {
      await connectionState.close()
      await callLog.close()
      await http.close()
    },
  }
}
