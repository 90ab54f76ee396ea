/** @module Row types of Junction's tables, as Kysely sees them. Each migration that adds a table adds its type here. */
import type { ColumnType, Generated } from 'kysely'

type CreatedAt = ColumnType<Date, never, never>
type UpdatedAt = ColumnType<Date, never, Date>
type Json<T> = ColumnType<T, string, string>

export interface ApiKeysTable {
  id: string
  /** Insertion order, for list cursors. */
  seq: ColumnType<string, never, never>
  name: string
  /** What is shown of the key after creation: `jnc_` and the first characters. */
  prefix: string
  /** SHA-256 of the whole key, hex: the key itself is never stored. */
  hash: string
  created_at: CreatedAt
  last_used_at: Date | null
  revoked_at: Date | null
}

export interface ConnectionsTable {
  /** A fresh UUID per row: sealed values are bound to it. */
  id: string
  integration: string
  provider: string
  user_id: string
  status: string
  /** Sealed JSON (access token, refresh token, raw token response, or API key); null once forgotten. */
  credentials: string | null
  /** Bumped by every write of `credentials`, for compare-and-swap. */
  credentials_version: Generated<number>
  expires_at: Date | null
  scopes: Json<string[]>
  provider_account_id: string | null
  metadata: Json<Record<string, unknown>>
  refresh_lease_until: Date | null
  refresh_lease_owner: string | null
  refresh_failures: Generated<number>
  refresh_cooldown_until: Date | null
  last_refreshed_at: Date | null
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface Schema {
  api_keys: ApiKeysTable
  connections: ConnectionsTable
}
