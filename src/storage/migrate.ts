/** @module Applies the numbered migrations. Safe to run again (nothing changes) and from several processes at once. */
import { Migrator } from 'kysely'
import { JunctionError } from '../core/errors.js'
import type { Database } from './database.js'
import { migrations } from './migrations/index.js'

export interface MigrationReport {
  /** Names of the migrations this run applied, in order. */
  readonly applied: readonly string[]
}

export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  const { error, results = [] } = await database.withMigrationLock((db) =>
    new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'junction_migrations',
      migrationLockTableName: 'junction_migrations_lock',
    }).migrateToLatest(),
  )
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown'
    throw new JunctionError('internal_error', `database migration ${failed} failed`, { cause: error })
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) }
}
