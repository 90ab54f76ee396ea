import type { Kysely } from 'kysely'

/**
 * Webhooks name the provider's account (a Slack team, a HubSpot portal): each delivery looks up the connections of
 * that account at its integration, so that lookup gets an index instead of a scan of every connection.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('connections_provider_account_idx')
    .on('connections')
    .columns(['integration', 'provider_account_id'])
    .execute()
}
