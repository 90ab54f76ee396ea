/** @module Which end users hold a connection to one account at a provider: where a webhook naming it belongs. */
import type { Kysely } from 'kysely'
import type { Schema } from './schema.js'

/** The user ids of the connections of `integration` whose `provider_account_id` is `providerAccountId`, sorted. */
export async function userIdsOfAccount(
  db: Kysely<Schema>,
  integration: string,
  providerAccountId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .select('user_id')
    .where('integration', '=', integration)
    .where('provider_account_id', '=', providerAccountId)
    .orderBy('user_id')
    .execute()
  return rows.map((row) => row.user_id)
}
