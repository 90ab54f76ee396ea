/**
 * @module Revoking a connection's tokens at the provider when the connection is deleted or replaced. The token to
 * revoke is first written, sealed, to `pending_revocations` in the same transaction that removes the connection, so
 * the secrets leave `connections` at once and a crash loses no revocation; then the revocation is tried, and a
 * failure is retried by the background rounds for up to 24 hours.
 * @see RFC 7009 §2.1, §2.2 (200 also for a token already invalid), §2.2.1 (503: try again later)
 */
import type { Kysely, Transaction } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { isJunctionError } from '../core/errors.js'
import { newRowId } from '../core/ids.js'
import type { HttpClient } from '../http/client.js'
import { isHttpError } from '../http/http-error.js'
import { buildRevocationRequest, revocationToken, type TokenKind } from '../oauth/token-request.js'
import { type ConnectionRow, deleteConnection } from '../storage/connections-store.js'
import { recordEvent } from '../storage/outbox-store.js'
import {
  deletePendingRevocation,
  duePendingRevocations,
  findPendingRevocation,
  insertPendingRevocation,
  type PendingRevocationRow,
  postponePendingRevocation,
} from '../storage/pending-revocations-store.js'
import { withTransaction } from '../storage/reentry-guard.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import { toConnection } from './connection-view.js'
import { openCredentials } from './credentials.js'

export interface RevocationOptions {
  /** @default 10_000 */
  timeoutMs: number
  /** First retry of a failed revocation; it doubles with each attempt, up to an hour. @default 60_000 */
  retryBaseMs: number
  /** How long a failed revocation is retried. @default 86_400_000 (24 hours) */
  keepMs: number
}

export const defaultRevocationOptions: RevocationOptions = Object.freeze({
  timeoutMs: 10_000,
  retryBaseMs: 60_000,
  keepMs: 86_400_000,
})

export interface Revoker {
  /** Deletes the connection (and reports it), then revokes its token at the provider. */
  revokeAndForget(row: ConnectionRow, integration: ResolvedIntegration): Promise<void>
  /** Retries the revocations that are due; returns how many the providers confirmed. */
  retryPending(integrations: ReadonlyMap<string, ResolvedIntegration>): Promise<number>
}

type RevocationOutcome = 'revoked' | 'retry' | 'unsupported'

export function createRevoker(deps: {
  db: Kysely<Schema>
  vault: Vault
  http: HttpClient
  options: RevocationOptions
}): Revoker {
  const { db, vault, options } = deps
  const pendingContext = (id: string) => ({ table: 'pending_revocations', rowId: id, column: 'token' })

  async function revoke(
    integration: ResolvedIntegration,
    token: string,
    kind: TokenKind,
    providerAccountId: string | null,
  ): Promise<RevocationOutcome> {
    const request = buildRevocationRequest(integration, token, kind, providerAccountId)
    if (request === undefined) return 'unsupported'
    try {
      await deps.http.request({
        method: request.method,
        path: request.url,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        timeoutMs: options.timeoutMs,
        deadlineMs: options.timeoutMs,
      })
      return 'revoked'
    } catch (error) {
      // 400 (invalid_token, unsupported_token_type) and 404: nothing left to revoke. 401/403 mean our client
      // credentials were refused, and 429/5xx a passing fault: both are tried again.
      if (isHttpError(error) && (error.status === 400 || error.status === 404 || error.status === 410)) return 'revoked'
      if (isJunctionError(error) && error.code === 'egress_blocked') return 'unsupported'
      return 'retry'
    }
  }

  async function settle(pending: PendingRevocationRow, integration: ResolvedIntegration | undefined): Promise<boolean> {
    let outcome: RevocationOutcome = 'unsupported'
    if (integration !== undefined) {
      let token: string | undefined
      try {
        token = vault.open(pending.token, pendingContext(pending.id))
      } catch {
        // A value that does not open cannot be revoked: dropped, not retried for a day.
      }
      if (token !== undefined)
        outcome = await revoke(integration, token, pending.token_kind, pending.provider_account_id)
    }
    if (outcome === 'retry') {
      await postponePendingRevocation(
        db,
        pending.id,
        Math.min(3_600_000, options.retryBaseMs * 2 ** pending.attempts),
        'the provider did not confirm',
      )
      return false
    }
    await deletePendingRevocation(db, pending.id)
    return outcome === 'revoked'
  }

  /** Inside a transaction that removes `row`: owes the provider a revocation of its token. Returns its id. */
  async function queueRevocation(
    trx: Transaction<Schema>,
    row: ConnectionRow,
    integration: ResolvedIntegration,
  ): Promise<string | undefined> {
    if (row.credentials === null) return undefined
    let credentials: ReturnType<typeof openCredentials> | undefined
    try {
      credentials = openCredentials(vault, row.id, row.credentials)
    } catch {
      return undefined
    }
    if (credentials.kind !== 'oauth2') return undefined
    const { token, kind } = revocationToken(integration, credentials)
    if (buildRevocationRequest(integration, token, kind, row.provider_account_id) === undefined) return undefined
    const id = newRowId()
    await insertPendingRevocation(trx, {
      id,
      integration: row.integration,
      userId: row.user_id,
      providerAccountId: row.provider_account_id,
      token: vault.seal(token, pendingContext(id)),
      kind,
      retryInMs: options.retryBaseMs,
      keepMs: options.keepMs,
    })
    return id
  }

  return {
    async revokeAndForget(row, integration) {
      const pendingId = await withTransaction(db, async (trx) => {
        await deleteConnection(trx, row.id)
        await recordEvent(trx, {
          type: 'connection.deleted',
          userId: row.user_id,
          integration: row.integration,
          data: { ...toConnection(row), status: 'revoked' },
        })
        return queueRevocation(trx, row, integration)
      })
      // Tried at once, after its transaction committed.
      const pending = pendingId === undefined ? undefined : await findPendingRevocation(db, pendingId)
      if (pending !== undefined) await settle(pending, integration)
    },

    async retryPending(integrations) {
      let revoked = 0
      for (const due of await duePendingRevocations(db, 50)) {
        if (await settle(due, integrations.get(due.integration))) revoked++
      }
      return revoked
    },
  }
}
