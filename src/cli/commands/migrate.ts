/** @module `junction migrate`: apply database migrations and exit. */
import type { Command } from 'commander'
import { migrateToLatest } from '../../storage/migrate.js'
import { type GlobalFlags, withHub } from '../cli-context.js'

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .option('--config <file>', 'configuration file')
    .action(async (flags: GlobalFlags) => {
      const report = await withHub(flags, (hub) => migrateToLatest(hub.database), { migrate: false, loadVault: false })
      const applied = report.applied.length === 0 ? 'none: the database was up to date' : report.applied.join(', ')
      process.stdout.write(`migrations applied: ${applied}\n`)
    })
}
