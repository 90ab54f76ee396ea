/**
 * A process that opens the embedded database in the data dir given in argv, migrates it, commits a row, says `ready`,
 * and when told `go` (its disk has turned read-only meanwhile) writes, reads and writes again, saying how each went,
 * then closes the database and says `closed`. In a process of its own so that a query that never returns cannot
 * wedge the test runner, which then kills it and still unmounts the disk.
 */
import { sql } from 'kysely'
import { openDatabase } from '../../src/storage/database.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../../src/storage/database-errors.js'
import { migrateToLatest } from '../../src/storage/migrate.js'

export interface Step {
  step: string
  ok: boolean
  ms: number
  unavailable: boolean
  /** What a caller would be told (the 503's message), when unavailable. */
  message: string | undefined
}

const database = await openDatabase({ backend: 'pglite', dataDir: process.argv[2]! })
await migrateToLatest(database)
await sql`create table kept (name text)`.execute(database.db)
await sql`insert into kept values ('before')`.execute(database.db)
process.send?.('ready')

const run = async (step: string, work: () => Promise<unknown>): Promise<void> => {
  const started = performance.now()
  try {
    await work()
    process.send?.({ step, ok: true, ms: performance.now() - started, unavailable: false, message: undefined })
  } catch (error) {
    const unavailable = isDatabaseUnavailable(error)
    const message = unavailable ? databaseUnavailable(error).message : String(error)
    process.send?.({ step, ok: false, ms: performance.now() - started, unavailable, message })
  }
}

process.once('message', async () => {
  // Statements on their own, as the call log's batches are: the first makes PostgreSQL PANIC on its WAL write.
  await run('write', () => sql`insert into kept values ('during')`.execute(database.db))
  await run('read', () => sql`select count(*) from kept`.execute(database.db))
  await run('write again', () => sql`insert into kept values ('during, again')`.execute(database.db))
  process.send?.({ step: 'cannotWrite', ok: true, ms: 0, unavailable: false, message: database.cannotWrite() })
  await run('close', () => database.close())
  process.send?.('closed', () => process.disconnect())
})
