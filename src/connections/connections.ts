/**
 * @module The connection service: import, list, read, use (a fresh token), refresh and delete connections. Every
 * route and CLI command goes through it; it checks ids, looks integrations up, seals and opens credentials.
 */
import type { Kysely } from 'kysely'
import { type ResolvedIntegration, requireIntegration } from '../config/resolve-integration.js'
import { isJunctionError, JunctionError, statusForCode } from '../core/errors.js'
import { isUserId, newRowId } from '../core/ids.js'
import type { CallLogWriter } from '../logs/call-log-writer.js'
import type { TokenSet } from '../oauth/token-response.js'
import { tokenReadEndpoint } from '../storage/api-logs-store.js'
import { type ConnectionRow, findConnection, listConnections, replaceConnection } from '../storage/connections-store.js'
import type { Page } from '../storage/cursor.js'
import { isDatabaseUnavailable, isUniqueViolation } from '../storage/database-errors.js'
import { recordEvent } from '../storage/outbox-store.js'
import { withTransaction } from '../storage/reentry-guard.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import type { ConnectionState, OpenedConnection } from './connection-state.js'
import { type Connection, type ConnectionStatus, toConnection } from './connection-view.js'
import type { CachedCredentials, CredentialCache } from './credential-cache.js'
import { type StoredCredentials, sealCredentials } from './credentials.js'
import { needsRefresh, type RefreshTiming } from './refresh-policy.js'
import type { Revoker } from './revoker.js'

export type ImportedCredentials =
  | { apiKey: string }
  | { username: string; password: string }
  | {
      accessToken: string
      refreshToken?: string | undefined
      expiresAt?: string | undefined
      scopes?: string[] | undefined
      metadata?: Record<string, string> | undefined
    }

export interface CredentialsForUse {
  credentials: StoredCredentials
  metadata: Record<string, unknown>
  /** The connection's row id: a reconnect makes a new row, so that what was cached for the old one is never used. */
  connectionId: string
}

export interface AccessToken {
  accessToken: string
  tokenType: string
  expiresAt: string | null
}

export interface ConnectionService {
  import(input: {
    integration: string
    userId: string
    credentials: ImportedCredentials
  }): Promise<{ connection: Connection; replaced: boolean }>
  /** Stores the tokens of a completed connect flow. */
  saveTokens(integration: string, userId: string, tokens: TokenSet): Promise<Connection>
  list(filter: {
    integration?: string | undefined
    userId?: string | undefined
    status?: ConnectionStatus | undefined
    limit: number
    cursor?: string | undefined
  }): Promise<Page<Connection>>
  get(integration: string, userId: string): Promise<Connection>
  /** A valid access token, refreshed first when it is near expiry. */
  token(integration: string, userId: string): Promise<AccessToken>
  refresh(integration: string, userId: string): Promise<Connection>
  /**
   * What a call made as this user needs: the credentials (a fresh token, refreshed first when near expiry, or always
   * with `forceRefresh`) and the connection's metadata (for URL placeholders). Never leaves the process.
   */
  credentialsForUse(integration: string, userId: string, forceRefresh: boolean): Promise<CredentialsForUse>
  /** Revokes at the provider when it can (or queues the revocation), then forgets the connection. */
  delete(integration: string, userId: string): Promise<void>
}

export interface ConnectionServiceDeps {
  db: Kysely<Schema>
  vault: Vault
  integrations: ReadonlyMap<string, ResolvedIntegration>
  /** Refreshes, opens credentials, and is told of every change (it alone forgets cached credentials). */
  state: ConnectionState
  revoker: Revoker
  /** Token reads are logged here. */
  callLog: Pick<CallLogWriter, 'record'>
  /** When a cached token is near enough to its expiry to be refreshed again. */
  refreshTiming: RefreshTiming
  /** Read and filled here; forgotten by `state` whenever a connection changes. */
  credentialCache: Pick<CredentialCache, 'get' | 'epoch' | 'set'>
}

export function createConnectionService(deps: ConnectionServiceDeps): ConnectionService {
  const { db, vault, state } = deps
  const cache = deps.credentialCache

  const integrationOf = (id: string): ResolvedIntegration => requireIntegration(deps.integrations, id)

  async function rowOf(integration: string, userId: string): Promise<ConnectionRow> {
    integrationOf(integration)
    assertUserId(userId)
    // A refresh the database could not take yet is newer than the database's row, and works without it.
    const unwritten = state.unwritten(integration, userId)
    if (unwritten !== undefined) return unwritten
    const row = await findConnection(db, integration, userId)
    if (row === undefined || row.credentials === null) {
      throw new JunctionError('connection_not_found', `no connection of this user to ${integration}`)
    }
    return row
  }

  async function store(
    integration: ResolvedIntegration,
    userId: string,
    credentials: StoredCredentials,
    facts: StoreFacts,
  ) {
    const id = newRowId()
    const fields = {
      provider: integration.provider,
      status: 'active',
      credentials: sealCredentials(vault, id, credentials),
      expiresAt: facts.expiresAt,
      scopes: facts.scopes,
      providerAccountId: facts.providerAccountId,
      metadata: facts.metadata,
      issuedNow: facts.issuedNow,
    }
    // A replaced connection's old token is not revoked: at Google, GitHub or Slack a grant belongs to the (client,
    // user) pair, so revoking the old token would end the grant the new token was just issued under.
    const write = () =>
      withTransaction(db, async (trx) => {
        const { row, replaced } = await replaceConnection(trx, { id, integration: integration.id, userId }, fields)
        const connection = toConnection(row)
        await recordEvent(trx, {
          type: 'connection.created',
          userId,
          integration: integration.id,
          data: { ...connection },
        })
        return { connection, replaced }
      })
    return state.change(integration.id, userId, async () => {
      try {
        return await write()
      } catch (error) {
        // Two writers of the same (integration, user id) at once: the loser's insert hits the unique key. Once more.
        if (!isUniqueViolation(error)) throw error
        return await write()
      }
    })
  }

  /**
   * The row and its opened credentials, a token refreshed first when near expiry (or always, with `force`). The
   * credentials are opened once: a refresh answers the credentials it wrote.
   */
  async function freshCredentials(
    integration: ResolvedIntegration,
    userId: string,
    force: boolean,
  ): Promise<OpenedConnection> {
    const opened = await state.open(await rowOf(integration.id, userId))
    if (opened.credentials.kind !== 'oauth2') return opened
    return state.fresh(opened, integration, force)
  }

  async function readToken(integrationId: string, userId: string): Promise<AccessToken> {
    const { row, credentials } = await freshCredentials(integrationOf(integrationId), userId, false)
    if (credentials.kind !== 'oauth2') {
      throw new JunctionError(
        'not_token_based',
        `connections to ${integrationId} hold an API key or a password, not a token`,
      )
    }
    return {
      accessToken: credentials.accessToken,
      tokenType: credentials.tokenType,
      expiresAt: row.expires_at?.toISOString() ?? null,
    }
  }

  return {
    async import({ integration: integrationId, userId, credentials }) {
      const integration = integrationOf(integrationId)
      assertUserId(userId)
      const { stored, facts } = importedCredentials(integration, credentials)
      return store(integration, userId, stored, facts)
    },

    async saveTokens(integrationId, userId, tokens) {
      const integration = integrationOf(integrationId)
      const credentials: StoredCredentials = {
        kind: 'oauth2',
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        tokenType: tokens.tokenType,
        raw: tokens.raw,
      }
      const facts = {
        issuedNow: true,
        expiresAt: tokens.expiresAt ?? null,
        scopes: tokens.scopes ?? [...integration.scopes],
        providerAccountId: tokens.providerAccountId ?? null,
        metadata: tokens.metadata,
      }
      return (await store(integration, userId, credentials, facts)).connection
    },

    async list({ integration, userId, status, limit, cursor }) {
      if (integration !== undefined) integrationOf(integration)
      if (userId !== undefined) assertUserId(userId)
      const page = await listConnections(db, { integration, userId, status, limit, cursor })
      return { data: page.data.map(toConnection), nextCursor: page.nextCursor }
    },

    get: async (integration, userId) => toConnection(await rowOf(integration, userId)),

    async token(integrationId, userId) {
      const started = performance.now()
      const record = (statusCode: number, errorMessage: string | null) =>
        deps.callLog.record({
          requestId: newRowId(),
          userId,
          integration: integrationId,
          provider: deps.integrations.get(integrationId)?.provider ?? 'unknown',
          endpoint: tokenReadEndpoint,
          method: 'GET',
          statusCode,
          responseTimeMs: performance.now() - started,
          errorMessage,
        })
      try {
        const token = await readToken(integrationId, userId)
        record(200, null)
        return token
      } catch (error) {
        // Reads of unknown integrations or malformed ids are not connections: nothing to log against.
        if (isJunctionError(error) && deps.integrations.has(integrationId) && isUserId(userId)) {
          record(statusForCode(error.code), error.code)
        }
        throw error
      }
    },

    async credentialsForUse(integrationId, userId, forceRefresh) {
      const integration = integrationOf(integrationId)
      assertUserId(userId)
      const cached = cache.get(integrationId, userId)
      const now = new Date()
      const usable = (entry: CachedCredentials) =>
        !forceRefresh && !needsRefresh(entry.expiresAt, entry.lastRefreshedAt, now, deps.refreshTiming)
      if (cached !== undefined && cached.freshUntil > now.getTime() && usable(cached)) return cached.use
      const epoch = cache.epoch()
      try {
        const { row, credentials } = await freshCredentials(integration, userId, forceRefresh)
        const use = { credentials, metadata: row.metadata, connectionId: row.id }
        cache.set(integrationId, userId, epoch, {
          use,
          expiresAt: row.expires_at,
          lastRefreshedAt: row.last_refreshed_at,
        })
        return use
      } catch (error) {
        // The database is away: credentials this process holds (for at most the outage grace), and that are not near
        // expiry, keep calls going.
        if (cached !== undefined && isDatabaseUnavailable(error) && usable(cached)) return cached.use
        state.forget(integrationId, userId)
        throw error
      }
    },

    async refresh(integrationId, userId) {
      const integration = integrationOf(integrationId)
      assertUserId(userId)
      return state.change(integrationId, userId, async () => {
        const opened = await state.open(await rowOf(integrationId, userId))
        if (opened.credentials.kind !== 'oauth2') {
          throw new JunctionError('not_token_based', `connections to ${integrationId} have no token to refresh`)
        }
        return toConnection((await state.fresh(opened, integration, true)).row)
      })
    },

    async delete(integrationId, userId) {
      const integration = integrationOf(integrationId)
      assertUserId(userId)
      await state.change(integrationId, userId, async () =>
        deps.revoker.revokeAndForget(await rowOf(integrationId, userId), integration),
      )
    },
  }
}

interface StoreFacts {
  /** True for tokens just issued to us; false for imported ones, whose lifetime is unknown. */
  issuedNow: boolean
  expiresAt: Date | null
  scopes: readonly string[]
  providerAccountId: string | null
  metadata: Record<string, string>
}

function importedCredentials(
  integration: ResolvedIntegration,
  credentials: ImportedCredentials,
): { stored: StoredCredentials; facts: StoreFacts } {
  const type = integration.definition.auth.type
  const none: StoreFacts = { issuedNow: false, expiresAt: null, scopes: [], providerAccountId: null, metadata: {} }
  if (type === 'api_key' && 'apiKey' in credentials)
    return { stored: { kind: 'api_key', apiKey: credentials.apiKey }, facts: none }
  if (type === 'basic' && 'username' in credentials) {
    return { stored: { kind: 'basic', username: credentials.username, password: credentials.password }, facts: none }
  }
  if (type === 'oauth2' && 'accessToken' in credentials) {
    const expiresAt = credentials.expiresAt === undefined ? null : new Date(credentials.expiresAt)
    return {
      stored: {
        kind: 'oauth2',
        accessToken: credentials.accessToken,
        refreshToken: credentials.refreshToken,
        tokenType: 'bearer',
        raw: undefined,
      },
      facts: {
        issuedNow: false,
        expiresAt,
        scopes: credentials.scopes ?? [],
        providerAccountId: null,
        metadata: credentials.metadata ?? {},
      },
    }
  }
  const expected =
    type === 'api_key'
      ? '{apiKey}'
      : type === 'basic'
        ? '{username, password}'
        : '{accessToken, refreshToken?, expiresAt?}'
  throw new JunctionError('invalid_request', `credentials for ${integration.id} (${type}) are ${expected}`)
}

export function assertUserId(userId: string): void {
  if (!isUserId(userId)) {
    throw new JunctionError(
      'invalid_request',
      "a user id is 1 to 255 characters from A-Z a-z 0-9 . _ ~ @ + = : -, and not '.' or '..' alone",
    )
  }
}
