/** A hub's connection services over a test database, with a strict fake provider, served by the real app. */
import { randomBytes } from 'node:crypto'
import { type ApiKeys, createApiKeys } from '../../src/api-keys/api-keys.js'
import { loadConfig } from '../../src/config/config.js'
import type { SandboxConfig } from '../../src/config/sandbox-options.js'
import { type ConnectionServices, createConnectionServices } from '../../src/hub/connection-services.js'
import { dashboardDeps } from '../../src/hub/dashboard-deps.js'
import { createEventServices, sandboxWebhookTarget } from '../../src/hub/event-services.js'
import { observability } from '../../src/hub/observability.js'
import { createProxy } from '../../src/proxy/proxy.js'
import { createSandboxApp } from '../../src/sandbox/sandbox-app.js'
import { createApp } from '../../src/server/app.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { createVault, type Vault } from '../../src/vault/vault.js'
import type { Backend, TestDatabase } from './backends.js'
import { capturedLogger } from './captured-logger.js'
import { type FakeTokenServer, startFakeTokenServer } from './fake-token-server.js'
import { createLeakWatch, type LeakWatch } from './leak-watch.js'

export interface ConnectionHarness {
  database: TestDatabase
  vault: Vault
  provider: FakeTokenServer
  services: ConnectionServices
  apiKeys: ApiKeys
  key: string
  app: ReturnType<typeof createApp>
  logLines: string[]
  /** Calls the API with the harness's key. */
  call(path: string, init?: RequestInit): Promise<Response>
  /** Reads every answer of `app` for the secrets the harness knows, and more a test names (`leaks.secret`). */
  leaks: LeakWatch
  /** Stops everything, then fails if any answer of the app contained a known secret. */
  close(): Promise<void>
}

export const fastRefresh = { leaseMs: 1_500, tokenTimeoutMs: 800, pollMs: 20, cooldownBaseMs: 1_000, marginMs: 300_000 }

export interface HarnessConfig {
  publicUrl?: string
  /** Connect sessions' lifetime. */
  sessionTtlMs?: number
  /** Serve the sandbox provider under /sandbox, with its ready `sandbox` integration. */
  sandbox?: SandboxConfig
  allowedReturnUrls?: string[]
  providers?: Record<string, unknown>
  integrations?: Record<string, unknown>
}

export async function openConnectionHarness(backend: Backend, extra: HarnessConfig = {}): Promise<ConnectionHarness> {
  const database = await backend.open()
  await migrateToLatest(database)
  const provider = await startFakeTokenServer()
  const options = loadConfig({
    cwd: '/srv',
    env: {},
    file: {
      ...(extra.publicUrl === undefined ? {} : { publicUrl: extra.publicUrl }),
      allowedReturnUrls: extra.allowedReturnUrls ?? [],
      providers: {
        ...extra.providers,
        acme: {
          auth: {
            type: 'oauth2',
            authorizeUrl: `${provider.url}/authorize`,
            tokenUrl: `${provider.url}/token`,
            revokeUrl: `${provider.url}/revoke`,
            clientAuth: 'client_secret_basic',
          },
          api: { baseUrl: `${provider.url}/api` },
        },
        keyed: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${provider.url}/api` } },
      },
      integrations: {
        ...extra.integrations,
        acme: { provider: 'acme', clientId: 'acme-client', clientSecret: 'acme-secret', scopes: ['read'] },
        keyed: { provider: 'keyed' },
      },
    },
  })
  const vault = createVault([{ id: 'k1', key: randomBytes(32) }])
  const sandboxSecret = extra.sandbox === undefined ? undefined : randomBytes(32)
  const { logger, lines } = capturedLogger()
  const services = createConnectionServices({
    options,
    db: database.db,
    vault,
    logger,
    tuning: {
      refresh: fastRefresh,
      revocation: { timeoutMs: 1_000, retryBaseMs: 0, keepMs: 60_000 },
      callLog: { flushIntervalMs: 20 },
      connect: {
        tokenTimeoutMs: 800,
        ...(extra.sessionTtlMs === undefined ? {} : { sessionTtlMs: extra.sessionTtlMs }),
      },
    },
    sandboxSecret,
  })
  const proxy = createProxy({
    services,
    options: { egress: { allowHttp: true, allowPrivateNetworks: true } },
  })
  const apiKeys = createApiKeys(database.db)
  const key = (await apiKeys.create('tests')).key
  const watch = observability({ db: database.db, services, proxy })
  const events = createEventServices({
    db: database.db,
    integrations: services.integrations,
    metrics: services.metrics,
    publicUrl: options.publicUrl,
    logger,
  })
  const app = createApp({
    apiKeys,
    database,
    connections: services.connections,
    connect: { flow: services.connectFlow, publicUrl: options.publicUrl },
    proxy,
    users: services.users,
    webhooks: events.inbox,
    events: events.feed,
    ...watch,
    dashboard: dashboardDeps({ options, db: database.db, apiKeys, services, proxy, logger, watch }),
    ...(sandboxSecret === undefined
      ? {}
      : {
          sandbox: createSandboxApp(
            sandboxSecret,
            extra.sandbox ?? {},
            `${options.publicUrl}/oauth/callback`,
            undefined,
            sandboxWebhookTarget(services.integrations, options.publicUrl, logger),
          ),
        }),
    logger,
  })
  const leaks = createLeakWatch()
  leaks.watch(app)
  leaks.secret(key, 'acme-secret')
  return {
    database,
    vault,
    provider,
    services,
    apiKeys,
    key,
    app,
    logLines: lines,
    leaks,
    call: async (path, init = {}) => {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${key}`)
      if (init.body !== undefined) headers.set('content-type', 'application/json')
      return app.request(path, { ...init, headers })
    },
    async close() {
      await proxy.close()
      await services.close()
      await provider.close()
      await database.close()
      leaks.secret(...provider.issued, ...provider.refreshTokens)
      const found = await leaks.leaks()
      if (found.length > 0) throw new Error(`answers carried secrets: ${JSON.stringify(found)}`)
      const logged = leaks.secretsIn(lines.join('\n'))
      if (logged.length > 0) throw new Error(`the log carried secrets: ${logged.join(', ')}`)
    },
  }
}
