/** @module Connections whose refresh token has not been used for a while (some providers expire unused ones). */
import { type Kysely, sql } from 'kysely'
import type { ConnectionRow } from './connections-store.js'
import type { Schema } from './schema.js'

/** The longest-idle connections first; rows in a refresh cool-down wait for it to end. */
export async function connectionsIdleSince(
  db: Kysely<Schema>,
  integrations: readonly string[],
  idleMs: number,
  limit: number,
): Promise<ConnectionRow[]> {
  if (integrations.length === 0) return []
  return db
    .selectFrom('connections')
    .selectAll()
    .where('integration', 'in', integrations)
    .where('status', 'in', ['active', 'refresh_failing'])
    .where('credentials', 'is not', null)
    .where((eb) =>
      eb.or([eb('refresh_cooldown_until', 'is', null), eb('refresh_cooldown_until', '<=', sql<Date>`now()`)]),
    )
    .where(sql<boolean>`coalesce(last_refreshed_at, created_at) < now() - ${idleMs} * interval '1 millisecond'`)
    .orderBy(sql`coalesce(last_refreshed_at, created_at)`)
    .limit(limit)
    .execute()
}
