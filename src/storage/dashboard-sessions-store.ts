/** @module The `dashboard_sessions` table: a signed-in browser, valid until it expires or its API key is revoked. */
import type { Kysely } from 'kysely'
import type { Schema } from './schema.js'

export interface DashboardSessionRow {
  apiKeyId: string
  csrfToken: string
  expiresAt: Date
}

export async function insertDashboardSession(
  db: Kysely<Schema>,
  values: { idHash: string; apiKeyId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('dashboard_sessions')
    .values({
      id_hash: values.idHash,
      api_key_id: values.apiKeyId,
      csrf_token: values.csrfToken,
      expires_at: values.expiresAt,
    })
    .execute()
}

/** The session when it has not expired and its key is not revoked. */
export async function findLiveDashboardSession(
  db: Kysely<Schema>,
  idHash: string,
  now: Date,
): Promise<DashboardSessionRow | undefined> {
  const row = await db
    .selectFrom('dashboard_sessions as s')
    .innerJoin('api_keys as k', 'k.id', 's.api_key_id')
    .select(['s.api_key_id', 's.csrf_token', 's.expires_at'])
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst()
  return row === undefined
    ? undefined
    : { apiKeyId: row.api_key_id, csrfToken: row.csrf_token, expiresAt: row.expires_at }
}

export async function deleteDashboardSession(db: Kysely<Schema>, idHash: string): Promise<void> {
  await db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute()
}

/** Forgets sessions that expired, at most `limit` of them; returns how many went. */
export async function deleteExpiredDashboardSessions(db: Kysely<Schema>, now: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('dashboard_sessions')
    .where('id_hash', 'in', (query) =>
      query.selectFrom('dashboard_sessions').select('id_hash').where('expires_at', '<=', now).limit(limit),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
