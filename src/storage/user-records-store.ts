/** @module What remains of one end user once their connections are gone: call logs, connect sessions, events. */
import type { Kysely } from 'kysely'
import { withTransaction } from './reentry-guard.js'
import type { Schema } from './schema.js'

export async function deleteUserRecords(db: Kysely<Schema>, userId: string): Promise<void> {
  await withTransaction(db, async (trx) => {
    await trx.deleteFrom('api_logs').where('user_id', '=', userId).execute()
    await trx.deleteFrom('connect_sessions').where('user_id', '=', userId).execute()
    await trx.deleteFrom('outbox_events').where('user_id', '=', userId).execute()
  })
}
