/** @module The `api_keys` table: the hub's own keys, stored only as a SHA-256 hash and a display prefix. */
import type { Kysely, Selectable } from 'kysely'
import { decodeCursor, type Page, toPage } from './cursor.js'
import type { ApiKeysTable, Schema } from './schema.js'

export type ApiKeyRow = Selectable<ApiKeysTable>

export async function insertApiKey(
  db: Kysely<Schema>,
  values: { id: string; name: string; prefix: string; hash: string; scope?: ApiKeyRow['scope'] },
): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(values).returningAll().executeTakeFirstOrThrow()
}

export async function findActiveApiKeyByHash(db: Kysely<Schema>, hash: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
}

/** Active keys in creation order. */
export async function listActiveApiKeys(
  db: Kysely<Schema>,
  options: { limit: number; cursor?: string | undefined },
): Promise<Page<ApiKeyRow>> {
  let query = db.selectFrom('api_keys').selectAll().where('revoked_at', 'is', null)
  if (options.cursor !== undefined) query = query.where('seq', '>', decodeCursor(options.cursor))
  const rows = await query
    .orderBy('seq')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit, (row) => row)
}

export async function countActiveApiKeys(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Marks a key revoked. Returns false when no key has that id; revoking twice is not an error. */
export async function revokeApiKey(db: Kysely<Schema>, id: string): Promise<boolean> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (row !== undefined) return true
  const existing = await db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst()
  return existing !== undefined
}

export async function touchApiKeyLastUsed(db: Kysely<Schema>, id: string, at: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute()
}
