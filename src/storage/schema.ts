/** @module Row types of Junction's tables, as Kysely sees them. Each migration that adds a table adds its type here. */
import type { ColumnType, Generated } from 'kysely'

type CreatedAt = ColumnType<Date, never, never>
type UpdatedAt = ColumnType<Date, never, Date>
/** A jsonb column: read as the value, written as JSON text. Defaults in the table make it optional on insert. */
type Json<T> = ColumnType<T, string | undefined, string>
/** A nullable column that may be left out of an insert (it is then null). */
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>

export interface ApiKeysTable {
  id: string
  /** Insertion order, for list cursors. */
  seq: ColumnType<string, never, never>
  name: string
  /** What is shown of the key after creation: `jnc_` and the first characters. */
  prefix: string
  /** SHA-256 of the whole key, hex: the key itself is never stored. */
  hash: string
  /** What the key may call: `admin` (everything, the default), `read` or `metrics`. */
  scope: ColumnType<'admin' | 'read' | 'metrics', 'admin' | 'read' | 'metrics' | undefined, never>
  created_at: CreatedAt
  last_used_at: Nullable<Date>
  revoked_at: Nullable<Date>
}

export interface ConnectionsTable {
  /** A fresh UUID per row: sealed values are bound to it. */
  id: string
  /** Insertion order, for list cursors. */
  seq: ColumnType<string, never, never>
  integration: string
  provider: string
  user_id: string
  status: string
  /** Sealed JSON (access token, refresh token, raw token response, or API key); null once forgotten. */
  credentials: Nullable<string>
  /** Bumped by every write of `credentials`, for compare-and-swap. */
  credentials_version: Generated<number>
  expires_at: Nullable<Date>
  scopes: Json<string[]>
  provider_account_id: Nullable<string>
  metadata: Json<Record<string, unknown>>
  refresh_lease_until: Nullable<Date>
  refresh_lease_owner: Nullable<string>
  refresh_failures: Generated<number>
  refresh_cooldown_until: Nullable<Date>
  last_refreshed_at: Nullable<Date>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface ConnectSessionsTable {
  id: string
  token_hash: string
  integration: string
  user_id: string
  return_url: Nullable<string>
  state_hash: Nullable<string>
  browser_hash: Nullable<string>
  /** Sealed. */
  pkce_verifier: Nullable<string>
  expires_at: Date
  consumed_at: Nullable<Date>
  created_at: CreatedAt
}

export interface PendingRevocationsTable {
  id: string
  integration: string
  user_id: string
  provider_account_id: Nullable<string>
  /** Sealed. */
  token: string
  token_kind: 'refresh_token' | 'access_token'
  attempts: Generated<number>
  next_attempt_at: Date
  give_up_at: Date
  last_error: Nullable<string>
  created_at: CreatedAt
}

export interface OutboxEventsTable {
  /** Also the `webhook-id` of every delivery attempt. */
  id: string
  seq: ColumnType<string, never, never>
  type: string
  user_id: Nullable<string>
  data: Json<Record<string, unknown>>
  created_at: CreatedAt
  delivered_at: Nullable<Date>
  attempts: Generated<number>
  next_attempt_at: ColumnType<Date, Date | undefined, Date>
  last_error: Nullable<string>
  /** `pending` (not tried yet, or no `events.url`), `retrying`, `delivered` or `dead`. */
  status: Generated<EventDeliveryStatus>
  /** The integration the event concerns, for filters. */
  integration: Nullable<string>
  /** Unique: `<integration>:<provider event id>`, or `<integration>:sha256:<body hash>`; null for Junction's own. */
  dedup_key: Nullable<string>
  last_attempt_at: Nullable<Date>
  /** A delivery worker's claim on the event: no other worker attempts it before this time. */
  claimed_until: Nullable<Date>
  claimed_by: Nullable<string>
}

export type EventDeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'dead'

export interface ApiLogsTable {
  id: string
  seq: ColumnType<string, never, never>
  request_id: string
  user_id: Nullable<string>
  integration: string
  provider: string
  endpoint: string
  method: string
  status_code: Nullable<number>
  response_time_ms: number
  error_message: Nullable<string>
  attempts: Generated<number>
  rate_limit_wait_ms: Generated<number>
  bytes: Nullable<number>
  /** How the response cache answered (`hit`, `revalidated`, `miss`); null when the call did not use it. */
  cache: ColumnType<'hit' | 'revalidated' | 'miss' | null, 'hit' | 'revalidated' | 'miss' | null | undefined, never>
  created_at: CreatedAt
  /** A failed or retried call's headers, error body and attempts (`CallDetails`, in api-logs-store.ts). */
  details: ColumnType<unknown, string | null | undefined, never>
}

/** Each integration's alert state (docs/configuration.md, "alerts"): the last one announced by an event. */
export interface IntegrationAlertsTable {
  integration: string
  status: IntegrationAlertStatus
  /** How many times the state changed: each change's event is keyed by it, so it is recorded once. */
  changes: Generated<number>
  changed_at: CreatedAt
}

export type IntegrationAlertStatus = 'healthy' | 'degraded'

export interface DashboardSessionsTable {
  /** SHA-256 of the session id, hex: the id itself lives only in the browser's cookie. */
  id_hash: string
  api_key_id: string
  csrf_token: string
  expires_at: Date
  created_at: CreatedAt
}

/** What a dashboard form's answer shows after its redirect, for one session (server/dashboard/page-records.ts). */
export interface PageRecordsTable {
  /** A fresh UUID per record: its sealed value is bound to it, and the page's URL names it. */
  id: string
  /** The owning session's `dashboard_sessions.id_hash`: the record goes with the session. */
  session_id_hash: string
  /** Sealed JSON. */
  value: string
  /** Deleted as it is read (a new key's secret). */
  once: boolean
  expires_at: Date
  created_at: CreatedAt
}

export interface Schema {
  api_logs: ApiLogsTable
  dashboard_sessions: DashboardSessionsTable
  page_records: PageRecordsTable
  api_keys: ApiKeysTable
  connections: ConnectionsTable
  connect_sessions: ConnectSessionsTable
  pending_revocations: PendingRevocationsTable
  outbox_events: OutboxEventsTable
  integration_alerts: IntegrationAlertsTable
}
