/** @module What remains of one end user once their connections are gone: call logs, connect sessions, events. */
import { type Kysely, sql } from 'kysely'
import { withTransaction } from './reentry-guard.js'
import type { Schema } from './schema.js'

export async function deleteUserRecords(db: Kysely<Schema>, userId: string): Promise<void> {
  await withTransaction(db, async (trx) => {
    await trx.deleteFrom('api_logs').where('user_id', '=', userId).execute()
    await trx.deleteFrom('connect_sessions').where('user_id', '=', userId).execute()
    await trx.deleteFrom('outbox_events').where('user_id', '=', userId).execute()
    // A webhook linked to several users (an account they share) stays for the others, without this user's id.
    const erased = JSON.stringify([userId])
    await trx
      .updateTable('outbox_events')
      .set({
        data: sql`jsonb_set(data, '{userIds}', (
          select coalesce(jsonb_agg(linked), '[]'::jsonb)
          from jsonb_array_elements(data -> 'userIds') as linked
          where linked <> to_jsonb(${userId}::text)))`,
      })
      .where(sql`data -> 'userIds'`, '@>', sql`${erased}::jsonb`)
      .execute()
  })
}
