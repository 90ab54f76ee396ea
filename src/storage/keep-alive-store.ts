/** @module Connections whose refresh token has not been used for a while (some providers expire unused ones). */
import { type Kysely, sql } from 'kysely'
import type { ConnectionRow } from './connections-store.js'
import type { Schema } from './schema.js'

export async function connectionsIdleSince(
  db: Kysely<Schema>,
  idleMs: number,
  limit: number,
): Promise<ConnectionRow[]> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('status', 'in', ['active', 'refresh_failing'])
    .where('credentials', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('last_refreshed_at', '<', sql<Date>`now() - ${idleMs} * interval '1 millisecond'`),
        eb.and([
          eb('last_refreshed_at', 'is', null),
          eb('created_at', '<', sql<Date>`now() - ${idleMs} * interval '1 millisecond'`),
        ]),
      ]),
    )
    .orderBy('last_refreshed_at')
    .limit(limit)
    .execute()
}
