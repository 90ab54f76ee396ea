/** @module `connect_sessions`: one-time connect links and the OAuth flow each one is running. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { ConnectSessionsTable, Schema } from './schema.js'

export type ConnectSessionRow = Selectable<ConnectSessionsTable>

export async function insertConnectSession(
  db: Kysely<Schema>,
  values: {
    id: string
    tokenHash: string
    integration: string
    userId: string
    returnUrl: string | null
    ttlMs: number
  },
): Promise<ConnectSessionRow> {
  return db
    .insertInto('connect_sessions')
    .values({
      id: values.id,
      token_hash: values.tokenHash,
      integration: values.integration,
      user_id: values.userId,
      return_url: values.returnUrl,
      expires_at: sql<Date>`now() + ${values.ttlMs} * interval '1 millisecond'`,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A session that is neither expired nor completed, by the hash of its link token. */
export async function findOpenSessionByToken(
  db: Kysely<Schema>,
  tokenHash: string,
): Promise<ConnectSessionRow | undefined> {
  return db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst()
}

/** Starts (or restarts) the session's OAuth flow: only the browser of the latest start can finish it. */
export async function startFlow(
  db: Kysely<Schema>,
  id: string,
  flow: { stateHash: string; browserHash: string; pkceVerifier: string | null },
): Promise<void> {
  await db
    .updateTable('connect_sessions')
    .set({ state_hash: flow.stateHash, browser_hash: flow.browserHash, pkce_verifier: flow.pkceVerifier })
    .where('id', '=', id)
    .execute()
}

/**
 * Consumes the session a callback's state names, once: of two callbacks with the same state, one gets the row.
 * The row comes back whatever its expiry, so that the caller can tell "expired" from "unknown".
 */
export async function consumeByState(db: Kysely<Schema>, stateHash: string): Promise<ConnectSessionRow | undefined> {
  return db
    .updateTable('connect_sessions')
    .set({ consumed_at: sql<Date>`now()` })
    .where('state_hash', '=', stateHash)
    .where('consumed_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

export async function consumeById(db: Kysely<Schema>, id: string): Promise<ConnectSessionRow | undefined> {
  return db
    .updateTable('connect_sessions')
    .set({ consumed_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}
