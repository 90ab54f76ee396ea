/**
 * The database backends every storage suite runs against: PGlite always, PostgreSQL when a server answers (each
 * suite gets a fresh database of its own, dropped afterwards).
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { type Database, openDatabase } from '../../src/storage/database.js'

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

/** Creates an empty PostgreSQL database and returns its URL; `drop()` removes it. */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `junction_test_${randomBytes(6).toString('hex')}`
  await adminQuery(adminUrl, `create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  }
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

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
