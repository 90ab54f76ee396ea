/** A hub's connection services over a test database, with a strict fake provider, served by the real app. */
import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import type { Redis } from 'ioredis'
import type { ApiKeys } from '../../src/api-keys/api-keys.js'
import type { ResponseCacheTuning } from '../../src/cache/response-cache.js'
import { loadConfig } from '../../src/config/config.js'
import type { SandboxConfig } from '../../src/config/sandbox-config.js'
import { composeHub } from '../../src/hub/compose.js'
import type { ConnectionServices } from '../../src/hub/connection-services.js'
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
  app: Hono
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
  /** The config file's `branding`. */
  branding?: unknown
  /** The environment the configuration is read with (`NODE_ENV=production` for a production hub). */
  env?: Record<string, string>
  /** The config file's `cache` (the response cache's store and bounds). */
  cache?: unknown
  /** The hub's Redis client (shared rate limits, and the response cache when `cache.store` is `redis`). */
  redis?: Redis
  /** The response cache's durations (a Redis read's timeout, say). */
  cacheTuning?: Partial<ResponseCacheTuning>
}

export async function openConnectionHarness(backend: Backend, extra: HarnessConfig = {}): Promise<ConnectionHarness> {
  const database = await backend.open()
  await migrateToLatest(database)
  const provider = await startFakeTokenServer()
  const options = loadConfig({
    cwd: '/srv',
    env: extra.env ?? {},
    file: {
      ...(extra.publicUrl === undefined ? {} : { publicUrl: extra.publicUrl }),
      allowedReturnUrls: extra.allowedReturnUrls ?? [],
      ...(extra.sandbox === undefined ? {} : { sandbox: extra.sandbox }),
      ...(extra.branding === undefined ? {} : { branding: extra.branding }),
      ...(extra.cache === undefined ? {} : { cache: extra.cache }),
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
  const { logger, lines } = capturedLogger()
  const hub = composeHub({
    options,
    logger,
    database,
    keys: () => ({ vault, vaultKeys: { keys: [], developmentFile: undefined } }),
    sandboxSecret: extra.sandbox === undefined ? undefined : randomBytes(32),
    tuning: {
      refresh: fastRefresh,
      revocation: { timeoutMs: 1_000, retryBaseMs: 0, keepMs: 60_000 },
      callLog: { flushIntervalMs: 20 },
      connect: {
        tokenTimeoutMs: 800,
        ...(extra.sessionTtlMs === undefined ? {} : { sessionTtlMs: extra.sessionTtlMs }),
      },
    },
    proxy: { egress: { allowHttp: true, allowPrivateNetworks: true } },
    redis: extra.redis,
    cache: extra.cacheTuning,
    closeParts: () => database.close(),
  })
  const { services, apiKeys } = hub
  const key = (await apiKeys.create('tests')).key
  const app = hub.app()
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
      await hub.close()
      await provider.close()
      leaks.secret(...provider.issued, ...provider.refreshTokens)
      const found = await leaks.leaks()
      if (found.length > 0) throw new Error(`answers carried secrets: ${JSON.stringify(found)}`)
      const logged = leaks.secretsIn(lines.join('\n'))
      if (logged.length > 0) throw new Error(`the log carried secrets: ${logged.join(', ')}`)
    },
  }
}
