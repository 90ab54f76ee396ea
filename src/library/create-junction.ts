/**
 * @module `createJunction()`: the hub inside an application's own process (docs/library.md). It opens the same hub as
 * `junction start` (lock, database, keys, services, proxy), serves the same HTTP app under the application's path,
 * runs the same background work, and offers the connection API, the proxy and typed clients as functions.
 */
import type Stripe from 'stripe'
import { createGoogleClient, type GoogleClient } from '../clients/google.js'
import { createHubSpotClient, type HubSpotClient } from '../clients/hubspot.js'
import {
  type CursorPagination,
  type PaginatedMethod,
  type PaginateInit,
  paginateFetch,
  paginateMethod,
} from '../clients/paginate.js'
import { createSlackClient, type SlackClient } from '../clients/slack.js'
import { createStripe, importStripe } from '../clients/stripe.js'
import type { Mode } from '../config/config.js'
import { requireIntegration } from '../config/resolve-integration.js'
import type { BackgroundWork } from '../connections/background.js'
import { JunctionError } from '../core/errors.js'
import { redactingChild, silentLogger } from '../core/logger.js'
import { ensureFirstApiKey } from '../hub/first-api-key.js'
import { openHub } from '../hub/open-hub.js'
import { createLibraryFetch, failureResponse, type JunctionFetch } from '../proxy/proxy-fetch.js'
import { createEventFeed } from '../webhooks/event-feed.js'
import { type JunctionConnections, libraryConnections } from './connections-api.js'
import { type JunctionEvents, libraryEvents } from './events-api.js'
import { createFetchFor, type FetchLike, withIdempotencyKey } from './fetch-for.js'
import { type CreateJunctionOptions, readLibraryOptions } from './library-options.js'
import { mountedHandler } from './mount.js'

/** Which integration a typed client calls. @default the provider's name (`slack`, `hubspot`, `google`, `stripe`) */
export interface ClientOptions {
  integration?: string | undefined
}

export interface Junction {
  readonly mode: Mode
  /**
   * The whole hub app (connect pages, `/oauth/callback`, `/v1`, `/webhooks`, the sandbox) under `basePath`. Rejects
   * with a `ConfigError` when `basePath` or the configuration's `publicUrl` was not given.
   */
  handle(request: Request): Promise<Response>
  /**
   * A link for the end user's browser to connect an account (valid 10 minutes, once), as `POST /v1/connect-sessions`.
   * It leads to `handle()`, so it needs `basePath` and `publicUrl` as `handle()` does.
   */
  connectUrl(input: { integration: string; userId: string; returnUrl?: string | undefined }): Promise<string>
  connections: JunctionConnections
  /** The events (`connection.*`, `webhook.received`) with their delivery state, and redelivery: `/v1/events`. */
  events: JunctionEvents
  fetch: JunctionFetch
  /** A `fetch` for an official SDK: absolute URLs under the integration's `api.baseUrl`, through `fetch`. */
  fetchFor(integration: string, userId?: string | null): FetchLike
  slack(userId: string, options?: ClientOptions): SlackClient
  hubspot(userId: string, options?: ClientOptions): HubSpotClient
  google(userId: string, options?: ClientOptions): GoogleClient
  /**
   * The items of every page of a typed client's list method, each page fetched as the one before is read
   * (docs/library.md, "Pagination"); `args` are the method's, its cursor set on each page after the first.
   * @example for await (const channel of junction.paginate(slack.conversations.list, { limit: 200 })) {}
   */
  paginate<Args, Item>(
    method: PaginatedMethod<Args, unknown, Item>,
    ...args: undefined extends Args ? [args?: Args] : [args: Args]
  ): AsyncGenerator<Item, void, undefined>
  /**
   * The same for a raw `junction.fetch` call, its pages going on by the integration's provider definition
   * (`pagination`); `init.items` says where a page's items are when the provider does not.
   * @example junction.paginate('slack', 'u_1', '/conversations.list?limit=200', { items: 'channels' })
   */
  paginate(
    integration: string,
    userId: string | null,
    path: string,
    init?: PaginateInit,
  ): AsyncGenerator<unknown, void, undefined>
  /**
   * The official `stripe` SDK's `Stripe` (an optional peer dependency), its HTTP through {@link Junction.fetchFor}:
   * the app's own secret key (app-level), or `userId`'s connected account for a `stripe-connect` integration.
   */
  stripe(options?: ClientOptions & { userId?: string | undefined }): Stripe
  /** Stops background work, flushes the call log, closes the database and releases the data dir. Safe to call twice. */
  close(): Promise<void>
}

export type { CreateJunctionOptions }

/**
 * Opens a hub for this process.
 * @example
 * const junction = await createJunction({ config: './junction.config.json', dataDir: './.junction',
 *   encryptionKeys: process.env.JUNCTION_ENCRYPTION_KEYS, mode: 'production', basePath: '/junction' })
 */
export async function createJunction(input: CreateJunctionOptions): Promise<Junction> {
  const { options, basePath, requireMount } = readLibraryOptions(input)
  const logger = input.logger === undefined ? silentLogger() : redactingChild(input.logger)
  // Imported beside the hub's opening, so that `stripe()` stays synchronous (src/clients/stripe.ts says why).
  const stripeImport = importStripe()
  const hub = await openHub(options, logger)
  let closing: Promise<void> | undefined
  let handler: (request: Request) => Promise<Response>
  let background: BackgroundWork
  try {
    // Development makes a first API key for /v1 (in `<dataDir>/initial-api-key`), as `junction start` does. Production
    // does not insist on one: the application's own code needs none, and /v1 simply refuses every call until one exists.
    if (options.mode === 'development') await ensureFirstApiKey(hub, { isTerminal: false, print: () => undefined })
    handler = mountedHandler(hub.app(), basePath)
    background = hub.startBackground()
  } catch (error) {
    await hub.close()
    throw error
  }
  const stripeSdk = await stripeImport
  const proxied = createLibraryFetch({ proxy: hub.proxy, logger })
  const closedError = () => new JunctionError('unavailable', 'this Junction was closed')
  const assertOpen = () => {
    if (closing !== undefined) throw closedError()
  }
  const fetch: JunctionFetch = (integration, userId, path, init) =>
    closing === undefined ? proxied(integration, userId, path, init) : Promise.resolve(failureResponse(closedError()))
  const fetchFor = createFetchFor({
    fetch,
    integrations: hub.services.integrations,
    metadataOf: async (integration, userId) => (await hub.services.connections.get(integration, userId)).metadata,
  })
  const idempotencyHeader = (integration: string) =>
    hub.services.integrations.get(integration)?.definition.idempotency?.header
  const bound = (integration: string, userId: string | null) => (path: string, init?: RequestInit) =>
    fetch(integration, userId, path, withIdempotencyKey(init, idempotencyHeader(integration)))

  /** An integration's cursor pagination, for its typed client (undefined: the client's provider's own). */
  const cursorPagination = (integration: string): CursorPagination | undefined => {
    const pagination = hub.services.integrations.get(integration)?.definition.pagination
    return pagination?.style === 'cursor' ? pagination : undefined
  }
  function paginate(...args: unknown[]): AsyncGenerator<unknown, void, undefined> {
    if (typeof args[0] === 'function')
      return paginateMethod(args[0] as PaginatedMethod<unknown, unknown, unknown>, args[1])
    const [integration, userId, path, init] = args as [string, string | null, string, PaginateInit | undefined]
    const deps = {
      integration,
      fetch: bound(integration, userId),
      fetchUrl: (url: string, request: RequestInit) => fetchFor(integration, userId)(url, request),
      pagination: requireIntegration(hub.services.integrations, integration).definition.pagination,
    }
    return paginateFetch(deps, path, init)
  }

  return {
    mode: options.mode,
    async handle(request) {
      requireMount('handle()')
      return closing === undefined ? handler(request) : failureResponse(closedError())
    },
    async connectUrl(session) {
      assertOpen()
      requireMount('connectUrl()')
      return (await hub.services.connectFlow.createSession(session)).url
    },
    connections: whileOpen(libraryConnections(hub.services.connections), assertOpen),
    events: whileOpen(libraryEvents(createEventFeed(hub.database.db)), assertOpen),
    fetch,
    fetchFor,
    slack: (userId, { integration = 'slack' } = {}) =>
      createSlackClient(bound(integration, userId), cursorPagination(integration)),
    hubspot: (userId, { integration = 'hubspot' } = {}) =>
      createHubSpotClient(bound(integration, userId), cursorPagination(integration)),
    google: (userId, { integration = 'google' } = {}) =>
      createGoogleClient(bound(integration, userId), cursorPagination(integration)),
    paginate: paginate as Junction['paginate'],
    stripe: (client = {}) => {
      const integration = client.integration ?? 'stripe'
      const through = fetchFor(integration, client.userId ?? null)
      const { baseUrl } = requireIntegration(hub.services.integrations, integration).definition.api
      return createStripe(stripeSdk, through, baseUrl)
    },
    close() {
      closing ??= background.stop().finally(() => hub.close())
      return closing
    },
  }
}

/** The same functions, each refusing once `check` throws (after `close()`). */
function whileOpen<T extends object>(functions: T, check: () => void): T {
  const guarded = Object.entries(functions).map(([name, call]: [string, (...args: unknown[]) => Promise<unknown>]) => [
    name,
    async (...args: unknown[]) => {
      check()
      return call(...args)
    },
  ])
  return Object.fromEntries(guarded) as T
}
