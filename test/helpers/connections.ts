/** Writing sealed connection rows directly, for suites that exercise storage and the vault below the service. */
import type { Kysely } from 'kysely'
import { newRowId } from '../../src/core/ids.js'
import type { Schema } from '../../src/storage/schema.js'
import type { Vault } from '../../src/vault/vault.js'

export function credentialsContext(rowId: string) {
  return { table: 'connections', rowId, column: 'credentials' }
}

export async function insertSealedConnection(
  db: Kysely<Schema>,
  vault: Vault,
  userId: string,
  credentials: Record<string, unknown>,
): Promise<string> {
  const id = newRowId()
  await db
    .insertInto('connections')
    .values({
      id,
      integration: 'acme',
      provider: 'acme',
      user_id: userId,
      status: 'active',
      credentials: vault.sealJson(credentials, credentialsContext(id)),
    })
    .execute()
  return id
}

/** A write as a refresh makes it: new sealed credentials and a bumped version. */
export async function writeCredentials(
  db: Kysely<Schema>,
  vault: Vault,
  id: string,
  credentials: Record<string, unknown>,
) {
  await db
    .updateTable('connections')
    .set((eb) => ({
      credentials: vault.sealJson(credentials, credentialsContext(id)),
      credentials_version: eb('credentials_version', '+', 1),
    }))
    .where('id', '=', id)
    .execute()
}
