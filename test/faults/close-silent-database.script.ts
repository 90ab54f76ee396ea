/**
 * A process that opens PostgreSQL (URL in argv), fills its pool, says `warm`, closes the database when told `close`,
 * says `closed`, and then has nothing left to do: it exits by itself unless a connection is still open.
 */
import { sql } from 'kysely'
import { openDatabase } from '../../src/storage/database.js'

const database = await openDatabase({ backend: 'postgres', url: process.argv[2]!, poolSize: 3 })
await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(database.db)))
process.send?.('warm')
process.once('message', async () => {
  await database.close()
  process.send?.('closed', () => process.disconnect())
})
