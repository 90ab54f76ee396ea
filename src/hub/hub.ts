/** @module What a composed hub is: its parts, services, proxy, HTTP app and background work (built by `compose.ts`). */
import type { Hono } from 'hono'
import type { Redis } from 'ioredis'
import type { ApiKeys } from '../api-keys/api-keys.js'
import type { JunctionOptions } from '../config/config.js'
import type { BackgroundOptions, BackgroundWork } from '../connections/background.js'
import type { Logger } from '../core/logger.js'
import type { EventDeliveryStats } from '../events/delivery-stats.js'
import type { EventsWorkOptions } from '../events/events-work.js'
import type { AlertWatchOptions } from '../logs/alert-watch.js'
import type { ApiProxy } from '../proxy/proxy.js'
import type { Database } from '../storage/database.js'
import type { Vault } from '../vault/vault.js'
import type { ConnectionServices } from './connection-services.js'
import type { VaultKeys } from './vault-keys.js'

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
  /** The hub's HTTP app: every route with the services it needs (built once, on first call). */
  app(): Hono
  /** Starts keep-alive refreshes, revocation retries, retention, alerts and event delivery; stopped by what it returns. */
  startBackground(
    options?: BackgroundOptions,
    events?: EventsWorkOptions,
    alerts?: Partial<AlertWatchOptions>,
  ): BackgroundWork
  /** Closes the proxy, the services, then what the hub was opened with (database, Redis, lock). Safe to call twice. */
  close(): Promise<void>
}
