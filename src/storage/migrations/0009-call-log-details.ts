import type { Kysely } from 'kysely'

/**
 * What the dashboard shows of a call that failed or was retried (docs/dashboard.md, "Call logs"): the headers sent
 * and received with secrets redacted, the provider's error body as scrubbed for the caller, and each attempt with its
 * wait. Null for the other calls, so that a successful call's row stays as small as it was.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_logs').addColumn('details', 'jsonb').execute()
}
