/**
 * @module The `page_records` table: what a dashboard form's answer shows after its redirect, for one session, until it
 * expires; a `once` record is deleted by the read that returns it. Values arrive and leave sealed.
 */
import type { Kysely } from 'kysely'
import { isForeignKeyViolation } from './database-errors.js'
import type { Schema } from './schema.js'

/**
 * Keeps a record; false when its session is gone (signed out, or expired and removed, since the page was asked for):
 * nothing is kept then, and the page the record was for leads to the sign-in page anyway.
 */
export async function insertPageRecord(
  db: Kysely<Schema>,
  values: { id: string; sessionIdHash: string; sealedValue: string; once: boolean; expiresAt: Date },
): Promise<boolean> {
  try {
    await db
      .insertInto('page_records')
      .values({
        id: values.id,
        session_id_hash: values.sessionIdHash,
        value: values.sealedValue,
        once: values.once,
        expires_at: values.expiresAt,
      })
      .execute()
    return true
  } catch (error) {
    if (isForeignKeyViolation(error)) return false
    throw error
  }
}

/**
 * The sealed value of a live record of this session. A `once` record is deleted in the same statement that returns
 * it, so of two readers (two instances) only one gets it; an expired record found here is deleted and not returned.
 */
export async function takePageRecord(
  db: Kysely<Schema>,
  where: { id: string; sessionIdHash: string; now: Date },
): Promise<string | undefined> {
  const taken = await db
    .deleteFrom('page_records')
    .where('id', '=', where.id)
    .where('session_id_hash', '=', where.sessionIdHash)
    .where((eb) => eb.or([eb('once', '=', true), eb('expires_at', '<=', where.now)]))
    .returning(['value', 'expires_at'])
    .executeTakeFirst()
  if (taken !== undefined) return taken.expires_at > where.now ? taken.value : undefined
  const kept = await db
    .selectFrom('page_records')
    .select('value')
    .where('id', '=', where.id)
    .where('session_id_hash', '=', where.sessionIdHash)
    .where('once', '=', false)
    .where('expires_at', '>', where.now)
    .executeTakeFirst()
  return kept?.value
}

/** Deletes a session's records past its newest `keep` (the cap on what one session holds at once). */
export async function trimSessionPageRecords(db: Kysely<Schema>, sessionIdHash: string, keep: number): Promise<void> {
  await db
    .deleteFrom('page_records')
    .where('id', 'in', (query) =>
      query
        .selectFrom('page_records')
        .select('id')
        .where('session_id_hash', '=', sessionIdHash)
        // Every record lives as long, so two kept in the same millisecond expire together: the order they were kept
        // in is created_at's (the database's clock, in microseconds).
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .offset(keep),
    )
    .execute()
}

export async function deleteSessionPageRecords(db: Kysely<Schema>, sessionIdHash: string): Promise<void> {
  await db.deleteFrom('page_records').where('session_id_hash', '=', sessionIdHash).execute()
}

/** Deletes records that expired, at most `limit` of them; returns how many went. */
export async function deleteExpiredPageRecords(db: Kysely<Schema>, now: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('page_records')
    .where('id', 'in', (query) =>
      query.selectFrom('page_records').select('id').where('expires_at', '<=', now).limit(limit),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
