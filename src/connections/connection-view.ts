/** @module `Connection`, as the API and the events show it (docs/http-api.md, "Connection"): never a token or secret. */
import type { ConnectionRow } from '../storage/connections-store.js'

export type ConnectionStatus = 'active' | 'needs_reauth' | 'refresh_failing' | 'revoked'

export interface Connection {
  integration: string
  provider: string
  userId: string
  status: ConnectionStatus
  scopes: string[]
  providerAccountId: string | null
  expiresAt: string | null
  createdAt: string
  updatedAt: string
  lastRefreshedAt: string | null
  metadata: Record<string, unknown>
}

export function toConnection(row: ConnectionRow): Connection {
  return {
    integration: row.integration,
    provider: row.provider,
    userId: row.user_id,
    status: row.status as ConnectionStatus,
    scopes: row.scopes,
    providerAccountId: row.provider_account_id,
    expiresAt: row.expires_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastRefreshedAt: row.last_refreshed_at?.toISOString() ?? null,
    metadata: row.metadata,
  }
}
