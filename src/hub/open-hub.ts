/**
 * @module Opens everything a running Junction needs, in order: the data dir lock (embedded database only), the
 * encryption keys, the database with its migrations, and the services over them. `junction start`, the other CLI
 * commands and `createJunction()` all start here.
 */
import { mkdirSync } from 'node:fs'
import type { Redis } from 'ioredis'
import { type ApiKeys, type ApiKeysOptions, createApiKeys } from '../api-keys/api-keys.js'
import type { JunctionOptions } from '../config/config.js'
import { defaultCredentialCacheOptions } from '../connections/credential-cache.js'
import type { Logger } from '../core/logger.js'
import { createEventDeliveryStats, type EventDeliveryStats } from '../events/delivery-stats.js'
import { type ApiProxy, createProxy } from '../proxy/proxy.js'
import { loadSandboxSecret } from '../sandbox/sandbox-secret.js'
import { acquireDataDirLock, type DataDirLock } from '../storage/data-dir-lock.js'
import { type Database, openDatabase } from '../storage/database.js'
import { migrateToLatest } from '../storage/migrate.js'
import type { PostgresTimeouts } from '../storage/postgres-timeouts.js'
import { closeRedis, openRedis } from '../storage/redis-client.js'
import { createVault, type Vault } from '../vault/vault.js'
import {
  type ConnectionServices,
  type ConnectionServicesOptions,
  createConnectionServices,
} from './connection-services.js'
import { loadVaultKeys, type VaultKeys } from './vault-keys.js'

export interface Hub {
  readonly options: JunctionOptions
  readonly logger: Logger
  readonly database: Database
  readonly vault: Vault
  readonly vaultKeys: VaultKeys
  readonly apiKeys: ApiKeys
  /** Integrations, connections, token refresh and revocation (built on first use: they need the vault). */
  readonly services: ConnectionServices
  /** Calls to providers' APIs with a connection's credentials (built on first use). */
  readonly proxy: ApiProxy
  /** Shared rate limits, when `JUNCTION_REDIS_URL` is set. */
  readonly redis: Redis | undefined
  /** The development sandbox's secret, when the sandbox is served. */
  readonly sandboxSecret: Buffer | undefined
  /** What the events delivery worker did, for `/metrics` and `/v1/health/integrations`. */
  readonly eventDelivery: EventDeliveryStats
  /** Closes the database and releases the data dir lock. Safe to call twice. */
  close(): Promise<void>
}

export interface OpenHubOptions {
  /** @default true */
  migrate?: boolean
  /**
   * Load the encryption keys at once (a missing key then stops the opening). Commands that never touch a sealed
   * value (`keys`, `migrate`) pass false: the keys are then loaded on first use of `vault`.
   * @default true
   */
  loadVault?: boolean
  /** Durations of refresh and revocation (tests shorten them). */
  tuning?: ConnectionServicesOptions
  /**
   * The API-key cache. Its outage grace defaults to the credential cache's, so that a key verified lately is
   * accepted for as long as the credentials it unlocks still serve while the database is away.
   */
  apiKeys?: Pick<ApiKeysOptions, 'cacheTtlMs' | 'outageGraceMs'>
  /** Durations of PostgreSQL calls (the database URL's parameters win over these). */
  databaseTimeouts?: Partial<PostgresTimeouts>
}

export async function openHub(options: JunctionOptions, logger: Logger, open: OpenHubOptions = {}): Promise<Hub> {
  const embedded = options.databaseUrl === undefined
  if (embedded) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const lock: DataDirLock | undefined = embedded ? acquireDataDirLock(options.dataDir) : undefined
  let database: Database | undefined
  try {
    let keys: { vaultKeys: VaultKeys; vault: Vault } | undefined
    const loadKeys = () => {
      if (keys === undefined) {
        const vaultKeys = loadVaultKeys(options, logger)
        keys = { vaultKeys, vault: createVault(vaultKeys.keys) }
      }
      return keys
    }
    if (open.loadVault !== false) loadKeys()
    database = await openDatabase(
      options.databaseUrl === undefined
        ? { backend: 'pglite', dataDir: options.dataDir }
        : {
            backend: 'postgres',
            url: options.databaseUrl,
            ...(open.databaseTimeouts === undefined ? {} : { timeouts: open.databaseTimeouts }),
          },
      logger,
    )
    if (open.migrate !== false) await migrateToLatest(database)
    const apiKeys = createApiKeys(database.db, {
      outageGraceMs: open.tuning?.credentialCache?.outageGraceMs ?? defaultCredentialCacheOptions.outageGraceMs,
      ...open.apiKeys,
      onBackgroundError: (error) => logger.warn({ err: error }, 'could not record an API key last use'),
    })
    const opened = database
    const sandboxSecret = options.sandbox ? loadSandboxSecret(options.dataDir) : undefined
    let services: ConnectionServices | undefined
    const servicesOnce = () => {
      services ??= createConnectionServices({
        options,
        db: opened.db,
        vault: loadKeys().vault,
        logger,
        ...(open.tuning === undefined ? {} : { tuning: open.tuning }),
        sandboxSecret,
      })
      return services
    }
    const redis = options.redisUrl === undefined ? undefined : openRedis(options.redisUrl, logger)
    let proxy: ApiProxy | undefined
    let closing: Promise<void> | undefined
    return {
      options,
      logger,
      database: opened,
      get vault() {
        return loadKeys().vault
      },
      get vaultKeys() {
        return loadKeys().vaultKeys
      },
      apiKeys,
      redis,
      sandboxSecret,
      eventDelivery: createEventDeliveryStats(),
      get services() {
        return servicesOnce()
      },
      get proxy() {
        proxy ??= createProxy({ services: servicesOnce(), options: { egress: options.egress, redis } })
        return proxy
      },
      close() {
        closing ??= Promise.resolve(proxy?.close())
          .then(() => services?.close())
          .then(() => opened.close())
          .then(() => (redis === undefined ? undefined : closeRedis(redis)))
          .finally(() => lock?.release())
        return closing
      },
    }
  } catch (error) {
    await database?.close().catch(() => undefined)
    lock?.release()
    throw error
  }
}
