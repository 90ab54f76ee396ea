/**
 * The database backends every storage suite runs against: PGlite always, PostgreSQL when a server answers (each
 * suite gets a fresh database of its own, dropped afterwards).
 */
import { inject } from 'vitest'
import { type Database, openDatabase } from '../../src/storage/database.js'
import { createPostgresDatabase } from './postgres-admin.js'

export { createPostgresDatabase }

export interface Backend {
  name: 'pglite' | 'postgres'
  /** Opens a new, empty database of this backend. */
  open(): Promise<TestDatabase>
}

export interface TestDatabase extends Database {
  /** For PostgreSQL, the URL of this database (for pg_dump, or a second process). */
  readonly url: string | undefined
}

export function postgresAdminUrl(): string | null {
  return inject('postgresUrl')
}

export function backends(): Backend[] {
  const list: Backend[] = [
    { name: 'pglite', open: async () => ({ ...(await openDatabase({ backend: 'pglite' })), url: undefined }) },
  ]
  const adminUrl = postgresAdminUrl()
  if (adminUrl !== null) list.push({ name: 'postgres', open: () => openFreshPostgres(adminUrl) })
  return list
}

async function openFreshPostgres(adminUrl: string): Promise<TestDatabase> {
  const created = await createPostgresDatabase(adminUrl)
  const database = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 5 })
  return {
    ...database,
    url: created.url,
    async close() {
      await database.close()
      await created.drop()
    },
  }
}
