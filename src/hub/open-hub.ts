/**
 * @module Opens everything a running Junction needs, in order: the data dir lock (embedded database only), the
 * encryption keys, the database with its migrations and Redis, then composes the hub over them (`compose.ts`).
 * `junction start`, the other CLI commands and `createJunction()` all start here.
 */
import { mkdirSync } from 'node:fs'
import type { ApiKeysOptions } from '../api-keys/api-keys.js'
import type { JunctionOptions } from '../config/config.js'
import type { Logger } from '../core/logger.js'
import { loadSandboxSecret } from '../sandbox/sandbox-secret.js'
import { acquireDataDirLock, type DataDirLock } from '../storage/data-dir-lock.js'
import { type Database, openDatabase } from '../storage/database.js'
import { migrateToLatest } from '../storage/migrate.js'
import type { PostgresTimeouts } from '../storage/postgres-timeouts.js'
import { closeRedis, openRedis } from '../storage/redis-client.js'
import { createVault, type Vault } from '../vault/vault.js'
import { composeHub } from './compose.js'
import type { ConnectionServicesOptions } from './connection-services.js'
import type { Hub } from './hub.js'
import { loadVaultKeys, type VaultKeys } from './vault-keys.js'

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
    const opened = database
    const sandboxSecret = options.sandbox ? loadSandboxSecret(options.dataDir) : undefined
    const redis = options.redisUrl === undefined ? undefined : await openRedis(options.redisUrl, logger)
    return composeHub({
      options,
      logger,
      database: opened,
      keys: loadKeys,
      redis,
      sandboxSecret,
      tuning: open.tuning,
      apiKeys: open.apiKeys,
      closeParts: () =>
        opened
          .close()
          .then(() => (redis === undefined ? undefined : closeRedis(redis)))
          .finally(() => lock?.release()),
    })
  } catch (error) {
    await database?.close().catch(() => undefined)
    lock?.release()
    throw error
  }
}
