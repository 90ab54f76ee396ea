/**
 * @module A connection's state, in one place: the refresh (what it does to a row and its credentials), the statuses
 * a connection moves through (`active`, `refresh_failing`, `needs_reauth`; gone, reported `revoked`, once deleted), a
 * sealed value that does not open, and the one hook that forgets cached credentials whenever this process changes a
 * connection. The connection service asks it; refresh-lease.ts is its database side.
 *
 * Exactly one refresh per connection at a time, across every process: a single-flight map in this process, then the
 * database lease of refresh-lease.ts. The holder calls the token endpoint (with a timeout below the lease) and writes
 * with compare-and-swap; everyone else waits for the row's version to change, then uses what it holds. When the
 * database cannot take a refresh's answer, the answer is kept in memory and written later
 * (pending-refresh-writes.ts): a rotating provider has already retired the old refresh token.
 *
 * Sealed credentials are opened once per use: a refresh takes the row with its opened credentials and answers a row
 * with its credentials, opening again only a row that another process wrote. A row keeps the same credentials while
 * its version does not move (`junction vault rotate` re-seals them without changing them).
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { HttpClient } from '../http/client.js'
import { sleep } from '../http/sleep.js'
import { callTokenEndpoint } from '../oauth/token-endpoint.js'
import type { TokenGrant } from '../oauth/token-request.js'
import type { TokenSet } from '../oauth/token-response.js'
import { type ConnectionRow, findConnectionById } from '../storage/connections-store.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../storage/database-errors.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import type { CredentialCache } from './credential-cache.js'
import { openCredentials, type StoredCredentials, sealCredentials } from './credentials.js'
import { createPendingRefreshWrites } from './pending-refresh-writes.js'
import {
  markNeedsReauth,
  markRefreshFailing,
  markUnreadable,
  type RefreshedFields,
  releaseLease,
  storeRefreshed,
  takeRefreshLease,
} from './refresh-lease.js'
import { defaultRefreshTiming, needsRefresh, type RefreshTiming, refreshCooldownMs } from './refresh-policy.js'

export interface RefreshOptions extends RefreshTiming {
  /** How long a refresh may hold the lease. @default 30_000 */
  leaseMs: number
  /** The token endpoint's timeout; kept below the lease so that a lease never expires under a live call. @default 20_000 */
  tokenTimeoutMs: number
  /** How often a waiter looks at the row again. @default 100 */
  pollMs: number
  /** How often refreshed tokens the database refused are written again. @default 500 */
  pendingWriteRetryMs: number
}

export const defaultRefreshOptions: RefreshOptions = Object.freeze({
  ...defaultRefreshTiming,
  leaseMs: 30_000,
  tokenTimeoutMs: 20_000,
  pollMs: 100,
  pendingWriteRetryMs: 500,
})

/** A connection row with its credentials, opened. */
export interface OpenedConnection {
  row: ConnectionRow
  credentials: StoredCredentials
}

type OAuthCredentials = StoredCredentials & { kind: 'oauth2' }

export interface ConnectionStateDeps {
  db: Kysely<Schema>
  vault: Vault
  http: HttpClient
  /** This process's name in leases. */
  owner: string
  options: RefreshOptions
  /** The credentials calls use, held in memory: forgotten here, and nowhere else, when a connection changes. */
  credentialCache: Pick<CredentialCache, 'forget'>
  /** Told when sealed credentials do not open: someone changed the database, or a key is missing. */
  onUnreadable?: ((error: unknown, row: ConnectionRow) => void) | undefined
  logger?: Logger | undefined
}

export interface ConnectionState {
  /** Opens a row's credentials; a value that does not open marks the connection `needs_reauth`, which is thrown. */
  open(row: ConnectionRow): Promise<OpenedConnection>
  /** The connection with a usable access token: refreshed first if it is near expiry (or always, with `force`). */
  fresh(opened: OpenedConnection, integration: ResolvedIntegration, force: boolean): Promise<OpenedConnection>
  /**
   * The background keep-alive of one idle connection: refreshed when it has a refresh token. False when there is
   * nothing to keep alive. A value that does not open is thrown, and the connection left as it is.
   */
  keepAlive(row: ConnectionRow, integration: ResolvedIntegration): Promise<boolean>
  /**
   * Runs a change of the connection (a write or a delete), its cached credentials forgotten before and after: a read
   * that began before cannot fill the cache after (its epoch is older).
   */
  change<T>(integration: string, userId: string, work: () => Promise<T>): Promise<T>
  /** Forgets the cached credentials of a connection found changed elsewhere (deleted, or refused) by a read. */
  forget(integration: string, userId: string): void
  /**
   * The connection as a refresh left it when the database could not take the new tokens yet (they are kept in memory
   * and written as soon as it can): newer than the database's row, and the one to use.
   */
  unwritten(integration: string, userId: string): ConnectionRow | undefined
  /** Stops retrying unwritten refreshes, after one last try. */
  close(): Promise<void>
}

export function createConnectionState(deps: ConnectionStateDeps): ConnectionState {
  const { db, options } = deps
  const inFlight = new Map<string, Promise<OpenedConnection>>()
  // The one place where cached credentials are forgotten.
  const forget = (integration: string, userId: string) => deps.credentialCache.forget(integration, userId)
  const unwritten = createPendingRefreshWrites({
    db,
    logger: deps.logger,
    options: { retryMs: options.pendingWriteRetryMs },
    onSettled: forget,
  })

  async function open(row: ConnectionRow): Promise<OpenedConnection> {
    if (row.credentials === null) {
      throw new JunctionError('connection_not_found', 'the connection has no credentials')
    }
    try {
      return { row, credentials: openCredentials(deps.vault, row.id, row.credentials) }
    } catch (error) {
      deps.onUnreadable?.(error, row)
      await markUnreadable(db, row)
      forget(row.integration, row.user_id)
      throw needsReauth(row)
    }
  }

  async function fresh(
    given: OpenedConnection,
    integration: ResolvedIntegration,
    force: boolean,
  ): Promise<OpenedConnection> {
    const kept = unwritten.row(given.row.integration, given.row.user_id)
    const start =
      kept !== undefined && kept.credentials_version > given.row.credentials_version ? await open(kept) : given
    const { row } = start
    const step = refreshStep(row, force, new Date(), options)
    if (step === 'needs_reauth') {
      forget(row.integration, row.user_id)
      throw needsReauth(row)
    }
    if (step === 'use') return start
    // Refreshing again from the database's row would send a refresh token the provider has already retired.
    if (row === kept) throw databaseUnavailable(new Error('refreshed tokens are waiting to be written'))
    const running = inFlight.get(row.id)
    if (running !== undefined) return running
    const refresh = refreshOnce(start, integration).finally(() => {
      inFlight.delete(row.id)
      forget(row.integration, row.user_id)
    })
    inFlight.set(row.id, refresh)
    return refresh
  }

  async function refreshOnce(start: OpenedConnection, integration: ResolvedIntegration): Promise<OpenedConnection> {
    const giveUpAt = Date.now() + options.leaseMs + options.tokenTimeoutMs
    let current = start
    for (let waited = false; ; waited = true) {
      // A waiter whose wait ended in another process's failure did not get a token in time: `timeout`.
      if (inCooldown(current.row)) return usableOrThrow(current, waited ? 'timeout' : 'refresh_failed')
      const leased = await takeRefreshLease(db, current.row, deps.owner, options.leaseMs)
      // The lease is taken at the version read: the credentials are the ones opened.
      if (leased !== undefined) return refreshWithLease({ row: leased, credentials: current.credentials }, integration)
      // Someone else holds the lease: wait for the row to move on.
      await sleep(options.pollMs)
      const latest = await findConnectionById(db, current.row.id)
      if (latest === undefined)
        throw new JunctionError('connection_not_found', 'the connection was deleted during its refresh')
      if (latest.status === 'needs_reauth') throw needsReauth(latest)
      if (latest.credentials_version !== current.row.credentials_version) return open(latest)
      if (Date.now() > giveUpAt) {
        throw new JunctionError('timeout', 'the token refresh by another process did not finish in time', {
          retryAfterSeconds: 1,
        })
      }
      current = { row: latest, credentials: current.credentials }
    }
  }

  async function refreshWithLease(
    leased: OpenedConnection,
    integration: ResolvedIntegration,
  ): Promise<OpenedConnection> {
    try {
      return await decideWithLease(leased, integration)
    } catch (error) {
      // Whatever ended the attempt early, the lease goes back (owner-checked: a lease already ended stays ended).
      await releaseLease(db, leased.row, deps.owner).catch(() => undefined)
      throw error
    }
  }

  async function decideWithLease(
    leased: OpenedConnection,
    integration: ResolvedIntegration,
  ): Promise<OpenedConnection> {
    const { row, credentials } = leased
    if (credentials.kind !== 'oauth2') throw new JunctionError('not_token_based', 'this connection has no OAuth token')
    const grant = refreshGrant(integration.definition.auth.type, credentials)
    if (grant === undefined) {
      // Nothing to refresh with (an imported token without a refresh token): a still-valid token is still used;
      // once it expires, only a new connect can help.
      if (stillValid(row)) {
        await releaseLease(db, row, deps.owner)
        return leased
      }
      await markNeedsReauth(db, row, deps.owner)
      throw needsReauth(row)
    }
    const outcome = await callTokenEndpoint(deps.http, integration, grant, { timeoutMs: options.tokenTimeoutMs })
    if (outcome.ok) return storeTokens(row, refreshedConnection(row, credentials, outcome.tokens))
    if (outcome.error === 'invalid_grant') {
      const latest = await findConnectionById(db, row.id)
      // A refresh that landed meanwhile (our lease had expired) explains the refusal: use its result.
      if (latest !== undefined && latest.credentials_version !== row.credentials_version) return open(latest)
      await markNeedsReauth(db, row, deps.owner)
      throw needsReauth(row)
    }
    const failing = await markRefreshFailing(db, row, deps.owner, refreshCooldownMs(row.refresh_failures + 1, options))
    // The row is still at the version read: the same credentials.
    return usableOrThrow(
      { row: failing ?? row, credentials },
      outcome.error === 'timeout' ? 'timeout' : 'refresh_failed',
    )
  }

  async function storeTokens(leased: ConnectionRow, next: RefreshedConnection): Promise<OpenedConnection> {
    const fields: RefreshedFields = {
      ...next.fields,
      credentials: sealCredentials(deps.vault, leased.id, next.credentials),
    }
    let stored: ConnectionRow | undefined
    try {
      stored = await storeRefreshed(db, leased, fields)
    } catch (error) {
      // The provider has answered (and may have retired the old refresh token): its answer is never dropped.
      if (isDatabaseUnavailable(error)) return { row: unwritten.keep(leased, fields), credentials: next.credentials }
      throw error
    }
    if (stored !== undefined) return { row: stored, credentials: next.credentials }
    // The row moved on without our write (another process's refresh won the compare-and-swap): use it.
    const latest = await findConnectionById(db, leased.id)
    if (latest === undefined)
      throw new JunctionError('connection_not_found', 'the connection was deleted during its refresh')
    return open(latest)
  }

  async function keepAlive(row: ConnectionRow, integration: ResolvedIntegration): Promise<boolean> {
    if (row.credentials === null) return false
    // Not marked `needs_reauth` from here: an unreadable row is logged by the round and left to the next use.
    const credentials = openCredentials(deps.vault, row.id, row.credentials)
    if (credentials.kind !== 'oauth2' || credentials.refreshToken === undefined) return false
    await fresh({ row, credentials }, integration, true)
    return true
  }

  return {
    open,
    fresh,
    keepAlive,
    async change(integration, userId, work) {
      forget(integration, userId)
      try {
        return await work()
      } finally {
        forget(integration, userId)
      }
    },
    forget,
    unwritten: (integration, userId) => unwritten.row(integration, userId),
    close: () => unwritten.close(),
  }
}

/**
 * What to do with a connection before any lease: use its token, refresh it, or answer that it must be made again.
 * Pure.
 */
export function refreshStep(
  row: Pick<ConnectionRow, 'status' | 'expires_at' | 'last_refreshed_at'>,
  force: boolean,
  now: Date,
  timing: RefreshTiming,
): 'use' | 'refresh' | 'needs_reauth' {
  if (row.status === 'needs_reauth') return 'needs_reauth'
  return force || needsRefresh(row.expires_at, row.last_refreshed_at, now, timing) ? 'refresh' : 'use'
}

/** The grant a refresh sends, or undefined when the connection holds nothing to refresh with. Pure. */
export function refreshGrant(
  authType: ResolvedIntegration['definition']['auth']['type'],
  credentials: OAuthCredentials,
): TokenGrant | undefined {
  if (authType === 'oauth2_client_credentials') return { type: 'client_credentials' }
  return credentials.refreshToken === undefined
    ? undefined
    : { type: 'refresh_token', refreshToken: credentials.refreshToken }
}

export interface RefreshedConnection {
  credentials: OAuthCredentials
  /** What is written beside the sealed credentials. */
  fields: Omit<RefreshedFields, 'credentials'>
}

/** What a token endpoint's answer makes of a connection and its credentials. Pure. */
export function refreshedConnection(
  row: Pick<ConnectionRow, 'metadata'>,
  previous: OAuthCredentials,
  tokens: TokenSet,
): RefreshedConnection {
  return {
    credentials: {
      kind: 'oauth2',
      accessToken: tokens.accessToken,
      // A refresh response without a refresh token keeps the old one (RFC 6749 §6).
      refreshToken: tokens.refreshToken ?? previous.refreshToken,
      tokenType: tokens.tokenType,
      raw: tokens.raw,
    },
    fields: {
      expiresAt: tokens.expiresAt ?? null,
      scopes: tokens.scopes,
      metadata: { ...row.metadata, ...tokens.metadata },
    },
  }
}

export function needsReauth(row: Pick<ConnectionRow, 'user_id' | 'integration'>): JunctionError {
  return new JunctionError(
    'connection_needs_reauth',
    `the connection of ${row.user_id} to ${row.integration} must be made again`,
  )
}

function inCooldown(row: ConnectionRow): boolean {
  return row.refresh_cooldown_until !== null && row.refresh_cooldown_until.getTime() > Date.now()
}

function stillValid(row: ConnectionRow): boolean {
  return row.expires_at === null || row.expires_at.getTime() > Date.now()
}

/** After a failed refresh, an access token that has not expired yet is still used. */
function usableOrThrow(opened: OpenedConnection, code: 'refresh_failed' | 'timeout'): OpenedConnection {
  const { row } = opened
  if (stillValid(row)) return opened
  const retryIn =
    row.refresh_cooldown_until === null ? 1 : Math.ceil((row.refresh_cooldown_until.getTime() - Date.now()) / 1000)
  throw new JunctionError(code, 'the provider did not refresh the token; Junction will try again after a cool-down', {
    retryAfterSeconds: Math.max(1, retryIn),
  })
}
