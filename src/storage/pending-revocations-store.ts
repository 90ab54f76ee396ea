/** @module `pending_revocations`: tokens of deleted connections that a provider has not yet confirmed revoked. */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import type { PendingRevocationsTable, Schema } from './schema.js'

export type PendingRevocationRow = Selectable<PendingRevocationsTable>

export async function insertPendingRevocation(
  trx: Kysely<Schema> | Transaction<Schema>,
  values: {
    id: string
    integration: string
    userId: string
    providerAccountId: string | null
    token: string
    kind: 'refresh_token' | 'access_token'
    retryInMs: number
    keepMs: number
  },
): Promise<void> {
  await trx
    .insertInto('pending_revocations')
    .values({
      id: values.id,
      integration: values.integration,
      user_id: values.userId,
      provider_account_id: values.providerAccountId,
      token: values.token,
      token_kind: values.kind,
      next_attempt_at: sql<Date>`now() + ${values.retryInMs} * interval '1 millisecond'`,
      give_up_at: sql<Date>`now() + ${values.keepMs} * interval '1 millisecond'`,
    })
    .execute()
}

/** Removes revocations past their 24 hours, then returns those due now. */
export async function duePendingRevocations(db: Kysely<Schema>, limit: number): Promise<PendingRevocationRow[]> {
  await db.deleteFrom('pending_revocations').where('give_up_at', '<=', sql<Date>`now()`).execute()
  return db
    .selectFrom('pending_revocations')
    .selectAll()
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute()
}

export async function findPendingRevocation(db: Kysely<Schema>, id: string): Promise<PendingRevocationRow | undefined> {
  return db.selectFrom('pending_revocations').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function deletePendingRevocation(db: Kysely<Schema>, id: string): Promise<void> {
  await db.deleteFrom('pending_revocations').where('id', '=', id).execute()
}

export async function postponePendingRevocation(
  db: Kysely<Schema>,
  id: string,
  retryInMs: number,
  error: string,
): Promise<void> {
  await db
    .updateTable('pending_revocations')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      next_attempt_at: sql<Date>`now() + ${retryInMs} * interval '1 millisecond'`,
      last_error: error,
    }))
    .where('id', '=', id)
    .execute()
}
