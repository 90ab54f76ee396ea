/**
 * @module `DELETE /v1/users/:userId`: erasing everything Junction holds of one end user. Each connection is revoked
 * at its provider first (or its revocation queued, as a single delete does), then its call logs, its connect
 * sessions and its undelivered events go. A queued revocation keeps its sealed token until the provider confirms:
 * erasing it would leave the grant alive at the provider.
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { isJunctionError } from '../core/errors.js'
import type { CallLogWriter } from '../logs/call-log-writer.js'
import { deleteConnection, listConnections } from '../storage/connections-store.js'
import type { Schema } from '../storage/schema.js'
import { deleteUserRecords } from '../storage/user-records-store.js'
import type { ConnectionState } from './connection-state.js'
import { assertUserId, type ConnectionService } from './connections.js'

export interface UserErasure {
  erase(userId: string): Promise<void>
}

export function createUserErasure(deps: {
  db: Kysely<Schema>
  connections: ConnectionService
  /** A connection deleted here, outside the connection service, is still a change that forgets cached credentials. */
  state: Pick<ConnectionState, 'change'>
  integrations: ReadonlyMap<string, ResolvedIntegration>
  callLog: Pick<CallLogWriter, 'flush'>
}): UserErasure {
  const { db } = deps
  return {
    async erase(userId) {
      assertUserId(userId)
      let cursor: string | undefined
      do {
        const page = await listConnections(db, { userId, limit: 100, cursor })
        for (const row of page.data) {
          const revocable = row.credentials !== null && deps.integrations.has(row.integration)
          try {
            if (revocable) await deps.connections.delete(row.integration, userId)
            else await deps.state.change(row.integration, userId, () => deleteConnection(db, row.id))
          } catch (error) {
            // Deleted meanwhile (by another request): nothing left to erase.
            if (!(isJunctionError(error) && error.code === 'connection_not_found')) throw error
          }
        }
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      // Rows still queued in the writer would be written after the erasure: write them first.
      await deps.callLog.flush()
      await deleteUserRecords(db, userId)
    },
  }
}
