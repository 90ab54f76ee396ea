/**
 * @module The one composition root: a {@link Hub} from opened parts (options, logger, database, keys). `openHub` opens
 * those parts for `junction start`, `createJunction()` and the CLI; tests pass their own (a test database, a
 * throwaway vault, short durations) and get the same wiring.
 */
import type { Redis } from 'ioredis'
import { type ApiKeys, type ApiKeysOptions, createApiKeys } from '../api-keys/api-keys.js'
import { createResponseCache, type ResponseCacheTuning } from '../cache/response-cache.js'
import type { JunctionOptions } from '../config/config.js'
import { defaultCredentialCacheOptions } from '../connections/credential-cache.js'
import type { Logger } from '../core/logger.js'
import { createEventDeliveryStats } from '../events/delivery-stats.js'
import { type ApiProxy, createProxy, type ProxyOptions } from '../proxy/proxy.js'
import type { Database } from '../storage/database.js'
import type { Vault } from '../vault/vault.js'
import {
  type ConnectionServices,
  type ConnectionServicesOptions,
  createConnectionServices,
} from './connection-services.js'
import type { Hub } from './hub.js'
import { createHubApp } from './hub-app.js'
import { startHubBackgroundWork } from './hub-background.js'
import type { VaultKeys } from './vault-keys.js'

export interface HubParts {
  options: JunctionOptions
  logger: Logger
  database: Database
  /** The encryption keys, loaded on first use (commands that never unseal a value never load them). */
  keys: () => { vault: Vault; vaultKeys: VaultKeys }
  redis?: Redis | undefined
  /** The development sandbox's secret, when the sandbox is served. */
  sandboxSecret?: Buffer | undefined
  /** Durations of refresh, revocation, connect sessions, the call log and the credential cache. */
  tuning?: ConnectionServicesOptions | undefined
  /**
   * The API-key cache. Its outage grace defaults to the credential cache's, so that a key verified lately is
   * accepted for as long as the credentials it unlocks still serve while the database is away.
   */
  apiKeys?: Pick<ApiKeysOptions, 'cacheTtlMs' | 'outageGraceMs'> | undefined
  /** The proxy's own settings beside the configuration's egress rules (tests loosen egress for local servers). */
  proxy?: Partial<ProxyOptions> | undefined
  /** Durations of the response cache (a Redis read's timeout, how long entries are kept), each with a default. */
  cache?: Partial<ResponseCacheTuning> | undefined
  /** Closes what the parts were opened with (the database, Redis, the data dir lock), after everything else. */
  closeParts: () => Promise<void>
}

export function composeHub(parts: HubParts): Hub {
  const { options, logger, database, tuning } = parts
  const apiKeys: ApiKeys = createApiKeys(database.db, {
    outageGraceMs: tuning?.credentialCache?.outageGraceMs ?? defaultCredentialCacheOptions.outageGraceMs,
    ...parts.apiKeys,
    onBackgroundError: (error) => logger.warn({ err: error }, 'could not record an API key last use'),
  })
  let services: ConnectionServices | undefined
  const servicesOnce = () => {
    services ??= createConnectionServices({
      options,
      db: database.db,
      vault: parts.keys().vault,
      logger,
      ...(tuning === undefined ? {} : { tuning }),
      sandboxSecret: parts.sandboxSecret,
    })
    return services
  }
  let proxy: ApiProxy | undefined
  const proxyOnce = () => {
    // The response cache is built here, once, with the store the configuration names (docs/configuration.md).
    proxy ??= createProxy({
      services: servicesOnce(),
      options: {
        egress: options.egress,
        redis: parts.redis,
        cache: createResponseCache({ settings: options.cache, redis: parts.redis, logger, tuning: parts.cache }),
        ...parts.proxy,
      },
    })
    return proxy
  }
  let app: ReturnType<typeof createHubApp> | undefined
  let closing: Promise<void> | undefined
  const hub: Hub = {
    options,
    logger,
    database,
    get vault() {
      return parts.keys().vault
    },
    get vaultKeys() {
      return parts.keys().vaultKeys
    },
    apiKeys,
    redis: parts.redis,
    sandboxSecret: parts.sandboxSecret,
    eventDelivery: createEventDeliveryStats(),
    get services() {
      return servicesOnce()
    },
    get proxy() {
      return proxyOnce()
    },
    app() {
      app ??= createHubApp(hub)
      return app
    },
    startBackground: (background, events, alerts) => startHubBackgroundWork(hub, background, events, alerts),
    close() {
      closing ??= Promise.resolve(proxy?.close())
        .then(() => services?.close())
        .finally(() => parts.closeParts())
      return closing
    },
  }
  return hub
}
