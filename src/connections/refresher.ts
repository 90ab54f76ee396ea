/**
 * @module Exactly one refresh per connection at a time, across every process: a single-flight map in this process,
 * then the database lease of refresh-lease.ts. The holder calls the token endpoint (with a timeout below the lease)
 * and writes with compare-and-swap; everyone else waits for the row's version to change, then uses what it holds.
 * When the database cannot take a refresh's answer, the answer is kept in memory and written later
 * (pending-refresh-writes.ts): a rotating provider has already retired the old refresh token.
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { HttpClient } from '../http/client.js'
import { sleep } from '../http/sleep.js'
import { callTokenEndpoint } from '../oauth/token-endpoint.js'
import type { TokenSet } from '../oauth/token-response.js'
import { type ConnectionRow, findConnectionById } from '../storage/connections-store.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../storage/database-errors.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import { openCredentials, type StoredCredentials, sealCredentials } from './credentials.js'
import { createPendingRefreshWrites } from './pending-refresh-writes.js'
import { markNeedsReauth, markRefreshFailing, releaseLease, storeRefreshed, takeRefreshLease } from './refresh-lease.js'
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

export interface RefresherDeps {
  db: Kysely<Schema>
  vault: Vault
  http: HttpClient
  /** This process's name in leases. */
  owner: string
  options: RefreshOptions
  /** Told after every refresh attempt of a connection, whatever its outcome: its row may have changed. */
  onChanged?: (integration: string, userId: string) => void
  logger?: Logger
}

export interface Refresher {
  /** The row with a usable access token: refreshed first if it is near expiry (or always, with `force`). */
  fresh(row: ConnectionRow, integration: ResolvedIntegration, force: boolean): Promise<ConnectionRow>
  /**
   * The connection as a refresh left it when the database could not take the new tokens yet (they are kept in memory
   * and written as soon as it can): newer than the database's row, and the one to use.
   */
  unwritten(integration: string, userId: string): ConnectionRow | undefined
  /** Stops retrying unwritten refreshes, after one last try. */
  close(): Promise<void>
}

export function createRefresher(deps: RefresherDeps): Refresher {
  const { db, options } = deps
  const inFlight = new Map<string, Promise<ConnectionRow>>()
  const unwritten = createPendingRefreshWrites({
    db,
    logger: deps.logger,
    options: { retryMs: options.pendingWriteRetryMs },
    onSettled: (integration, userId) => deps.onChanged?.(integration, userId),
  })

  async function fresh(given: ConnectionRow, integration: ResolvedIntegration, force: boolean): Promise<ConnectionRow> {
    const kept = unwritten.row(given.integration, given.user_id)
    const row = kept !== undefined && kept.credentials_version > given.credentials_version ? kept : given
    if (row.status === 'needs_reauth') {
      deps.onChanged?.(row.integration, row.user_id)
      throw needsReauth(row)
    }
    if (!force && !needsRefresh(row.expires_at, row.last_refreshed_at, new Date(), options)) return row
    // Refreshing again from the database's row would send a refresh token the provider has already retired.
    if (row === kept) throw databaseUnavailable(new Error('refreshed tokens are waiting to be written'))
    const running = inFlight.get(row.id)
    if (running !== undefined) return running
    const refresh = refreshOnce(row, integration).finally(() => {
      inFlight.delete(row.id)
      deps.onChanged?.(row.integration, row.user_id)
    })
    inFlight.set(row.id, refresh)
    return refresh
  }

  async function refreshOnce(start: ConnectionRow, integration: ResolvedIntegration): Promise<ConnectionRow> {
    const giveUpAt = Date.now() + options.leaseMs + options.tokenTimeoutMs
    let row = start
    for (let waited = false; ; waited = true) {
      // A waiter whose wait ended in another process's failure did not get a token in time: `timeout`.
      if (inCooldown(row)) return usableOrThrow(row, waited ? 'timeout' : 'refresh_failed')
      const leased = await takeRefreshLease(db, row, deps.owner, options.leaseMs)
      if (leased !== undefined) return refreshWithLease(leased, integration)
      // Someone else holds the lease: wait for the row to move on.
      await sleep(options.pollMs)
      const current = await findConnectionById(db, row.id)
      if (current === undefined)
        throw new JunctionError('connection_not_found', 'the connection was deleted during its refresh')
      if (current.status === 'needs_reauth') throw needsReauth(current)
      if (current.credentials_version !== row.credentials_version) return current
      if (Date.now() > giveUpAt) {
        throw new JunctionError('timeout', 'the token refresh by another process did not finish in time', {
          retryAfterSeconds: 1,
        })
      }
      row = current
    }
  }

  async function refreshWithLease(leased: ConnectionRow, integration: ResolvedIntegration): Promise<ConnectionRow> {
    try {
      return await decideWithLease(leased, integration)
    } catch (error) {
      // Whatever ended the attempt early, the lease goes back (owner-checked: a lease already ended stays ended).
      await releaseLease(db, leased, deps.owner).catch(() => undefined)
      throw error
    }
  }

  async function decideWithLease(leased: ConnectionRow, integration: ResolvedIntegration): Promise<ConnectionRow> {
    const credentials = openCredentials(deps.vault, leased.id, requireSealed(leased))
    if (credentials.kind !== 'oauth2') throw new JunctionError('not_token_based', 'this connection has no OAuth token')
    const grant =
      integration.definition.auth.type === 'oauth2_client_credentials'
        ? ({ type: 'client_credentials' } as const)
        : credentials.refreshToken === undefined
          ? undefined
          : ({ type: 'refresh_token', refreshToken: credentials.refreshToken } as const)
    if (grant === undefined) {
      // Nothing to refresh with (an imported token without a refresh token): a still-valid token is still used;
      // once it expires, only a new connect can help.
      if (leased.expires_at === null || leased.expires_at.getTime() > Date.now()) {
        await releaseLease(db, leased, deps.owner)
        return leased
      }
      await markNeedsReauth(db, leased, deps.owner)
      throw needsReauth(leased)
    }
    const outcome = await callTokenEndpoint(deps.http, integration, grant, { timeoutMs: options.tokenTimeoutMs })
    if (outcome.ok) return storeTokens(leased, credentials, outcome.tokens)
    if (outcome.error === 'invalid_grant') {
      const current = await findConnectionById(db, leased.id)
      // A refresh that landed meanwhile (our lease had expired) explains the refusal: use its result.
      if (current !== undefined && current.credentials_version !== leased.credentials_version) return current
      await markNeedsReauth(db, leased, deps.owner)
      throw needsReauth(leased)
    }
    const failing = await markRefreshFailing(
      db,
      leased,
      deps.owner,
      refreshCooldownMs(leased.refresh_failures + 1, options),
    )
    return usableOrThrow(failing ?? leased, outcome.error === 'timeout' ? 'timeout' : 'refresh_failed')
  }

  async function storeTokens(
    leased: ConnectionRow,
    previous: StoredCredentials & { kind: 'oauth2' },
    tokens: TokenSet,
  ) {
    const next: StoredCredentials = {
      kind: 'oauth2',
      accessToken: tokens.accessToken,
      // A refresh response without a refresh token keeps the old one (RFC 6749 §6).
      refreshToken: tokens.refreshToken ?? previous.refreshToken,
      tokenType: tokens.tokenType,
      raw: tokens.raw,
    }
    const fields = {
      credentials: sealCredentials(deps.vault, leased.id, next),
      expiresAt: tokens.expiresAt ?? null,
      scopes: tokens.scopes,
      metadata: { ...leased.metadata, ...tokens.metadata },
    }
    let stored: ConnectionRow | undefined
    try {
      stored = await storeRefreshed(db, leased, fields)
    } catch (error) {
      // The provider has answered (and may have retired the old refresh token): its answer is never dropped.
      if (isDatabaseUnavailable(error)) return unwritten.keep(leased, fields)
      throw error
    }
    if (stored !== undefined) return stored
    const current = await findConnectionById(db, leased.id)
    if (current === undefined)
      throw new JunctionError('connection_not_found', 'the connection was deleted during its refresh')
    return current
  }

  return {
    fresh,
    unwritten: (integration, userId) => unwritten.row(integration, userId),
    close: () => unwritten.close(),
  }
}

function inCooldown(row: ConnectionRow): boolean {
  return row.refresh_cooldown_until !== null && row.refresh_cooldown_until.getTime() > Date.now()
}

/** After a failed refresh, an access token that has not expired yet is still used. */
function usableOrThrow(row: ConnectionRow, code: 'refresh_failed' | 'timeout' = 'refresh_failed'): ConnectionRow {
  if (row.expires_at === null || row.expires_at.getTime() > Date.now()) return row
  const retryIn =
    row.refresh_cooldown_until === null ? 1 : Math.ceil((row.refresh_cooldown_until.getTime() - Date.now()) / 1000)
  throw new JunctionError(code, 'the provider did not refresh the token; Junction will try again after a cool-down', {
    retryAfterSeconds: Math.max(1, retryIn),
  })
}

export function needsReauth(row: ConnectionRow): JunctionError {
  return new JunctionError(
    'connection_needs_reauth',
    `the connection of ${row.user_id} to ${row.integration} must be made again`,
  )
}

function requireSealed(row: ConnectionRow): string {
  if (row.credentials === null) throw new JunctionError('connection_not_found', 'the connection has no credentials')
  return row.credentials
}
