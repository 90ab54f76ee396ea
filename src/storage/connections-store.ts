/** @module The `connections` table: one row per (integration, user id), its secrets sealed in `credentials`. */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { decodeCursor, type Page, toPage } from './cursor.js'
import type { ConnectionsTable, Schema } from './schema.js'

export type ConnectionRow = Selectable<ConnectionsTable>
type Db = Kysely<Schema> | Transaction<Schema>

export interface ConnectionFields {
  provider: string
  status: string
  /** Sealed by the caller, bound to `id`. */
  credentials: string
  expiresAt: Date | null
  scopes: readonly string[]
  providerAccountId: string | null
  metadata: Record<string, unknown>
  /** When the tokens were issued, if known (a connect flow); imported tokens leave it unknown. */
  issuedNow: boolean
}

export async function findConnection(db: Db, integration: string, userId: string): Promise<ConnectionRow | undefined> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('integration', '=', integration)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

export async function findConnectionById(db: Db, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Inserts the connection, or replaces an existing one for the same (integration, user id) under a new row id (so
 * values sealed for the old row never open in the new one). Returns the row and whether it replaced one.
 */
export async function replaceConnection(
  trx: Transaction<Schema>,
  key: { id: string; integration: string; userId: string },
  fields: ConnectionFields,
): Promise<{ row: ConnectionRow; replaced: boolean }> {
  const removed = await trx
    .deleteFrom('connections')
    .where('integration', '=', key.integration)
    .where('user_id', '=', key.userId)
    .returning('id')
    .execute()
  const row = await trx
    .insertInto('connections')
    .values({
      id: key.id,
      integration: key.integration,
      user_id: key.userId,
      provider: fields.provider,
      status: fields.status,
      credentials: fields.credentials,
      expires_at: fields.expiresAt,
      scopes: JSON.stringify(fields.scopes),
      provider_account_id: fields.providerAccountId,
      metadata: JSON.stringify(fields.metadata),
      last_refreshed_at: fields.issuedNow ? sql<Date>`now()` : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return { row, replaced: removed.length > 0 }
}

export interface ConnectionFilter {
  integration?: string | undefined
  userId?: string | undefined
  status?: string | undefined
  limit: number
  cursor?: string | undefined
}

/** Connections in insertion order, filtered. */
export async function listConnections(db: Db, filter: ConnectionFilter): Promise<Page<ConnectionRow>> {
  let query = db.selectFrom('connections').selectAll()
  if (filter.integration !== undefined) query = query.where('integration', '=', filter.integration)
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  if (filter.cursor !== undefined) query = query.where('seq', '>', decodeCursor(filter.cursor))
  const rows = await query
    .orderBy('seq')
    .limit(filter.limit + 1)
    .execute()
  return toPage(rows, filter.limit, (row) => row)
}

export async function deleteConnection(db: Db, id: string): Promise<void> {
  await db.deleteFrom('connections').where('id', '=', id).execute()
}
