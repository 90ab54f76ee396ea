/**
 * @module Deleting a connection: revoke at the provider (refresh token first, since revoking it ends the access
 * tokens of the grant too), then forget. The secrets leave `connections` at once whatever happens; a revocation the
 * provider did not confirm is kept, sealed, in `pending_revocations` and retried for up to 24 hours.
 * @see RFC 7009 §2.1, §2.2 (200 also for a token already invalid), §2.2.1 (503: try again later)
 */
import type { Kysely } from 'kysely'
import { isJunctionError } from '../core/errors.js'
import { newRowId } from '../core/ids.js'
import type { HttpClient } from '../http/client.js'
import { isHttpError } from '../http/http-error.js'
import { buildRevocationRequest, revocationToken, type TokenKind } from '../oauth/token-request.js'
import type { ResolvedIntegration } from '../providers/resolve-integration.js'
import { type ConnectionRow, deleteConnection } from '../storage/connections-store.js'
import { recordEvent } from '../storage/outbox-store.js'
import {
  deletePendingRevocation,
  duePendingRevocations,
  insertPendingRevocation,
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
  revokeAndForget(row: ConnectionRow, integration: ResolvedIntegration): Promise<void>
  /** Retries the revocations that are due; returns how many the providers confirmed. */
  retryPending(integrations: ReadonlyMap<string, ResolvedIntegration>): Promise<number>
}

function tryOpen<T>(open: () => T): T | undefined {
  try {
    return open()
  } catch {
    return undefined
  }
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
      // 400 unsupported_token_type or invalid_token: nothing left to revoke.
      if (isHttpError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) return 'revoked'
      if (isJunctionError(error) && error.code === 'egress_blocked') return 'unsupported'
      return 'retry'
    }
  }

  return {
    async revokeAndForget(row, integration) {
      // Credentials that no longer open cannot be revoked; the connection is forgotten all the same.
      const credentials =
        row.credentials === null ? undefined : tryOpen(() => openCredentials(vault, row.id, row.credentials ?? ''))
      let pending: { token: string; kind: 'refresh_token' | 'access_token' } | undefined
      if (credentials?.kind === 'oauth2') {
        const { token, kind } = revocationToken(integration, credentials)
        if ((await revoke(integration, token, kind, row.provider_account_id)) === 'retry') pending = { token, kind }
      }
      await withTransaction(db, async (trx) => {
        await deleteConnection(trx, row.id)
        await recordEvent(trx, {
          type: 'connection.deleted',
          userId: row.user_id,
          data: { ...toConnection(row), status: 'revoked' },
        })
        if (pending !== undefined) {
          const id = newRowId()
          await insertPendingRevocation(trx, {
            id,
            integration: row.integration,
            userId: row.user_id,
            providerAccountId: row.provider_account_id,
            token: vault.seal(pending.token, pendingContext(id)),
            kind: pending.kind,
            retryInMs: options.retryBaseMs,
            keepMs: options.keepMs,
          })
        }
      })
    },

    async retryPending(integrations) {
      let revoked = 0
      for (const due of await duePendingRevocations(db, 50)) {
        const integration = integrations.get(due.integration)
        const outcome =
          integration === undefined
            ? 'unsupported'
            : await revoke(
                integration,
                vault.open(due.token, pendingContext(due.id)),
                due.token_kind,
                due.provider_account_id,
              )
        if (outcome === 'retry') {
          await postponePendingRevocation(
            db,
            due.id,
            Math.min(3_600_000, options.retryBaseMs * 2 ** due.attempts),
            'the provider did not confirm',
          )
        } else {
          if (outcome === 'revoked') revoked++
          await deletePendingRevocation(db, due.id)
        }
      }
      return revoked
    },
  }
}
