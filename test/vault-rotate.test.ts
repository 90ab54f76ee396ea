/** `vault rotate` over real databases: nothing left under the old key, no concurrent write lost, rerunnable. */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { rotateSealedValues } from '../src/vault/rotate.js'
import { createVault } from '../src/vault/vault.js'
import { backends, type TestDatabase } from './helpers/backends.js'
import { credentialsContext, insertSealedConnection, writeCredentials } from './helpers/connections.js'

const k1 = { id: 'k1', key: randomBytes(32) }
const k2 = { id: 'k2', key: randomBytes(32) }
const before = createVault([k1])
const after = createVault([k2, k1])

describe.each(backends())('vault rotate on $name', (backend) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
  })
  afterAll(() => database.close())

  it('re-seals every value under the new key and loses no write made while it runs', async () => {
    const expected = new Map<string, string>()
    for (let index = 0; index < 120; index++) {
      const token = `token-${index}`
      expected.set(await insertSealedConnection(database.db, before, `rotate-${index}`, { accessToken: token }), token)
    }
    let concurrentWrites = 0
    const report = await rotateSealedValues(database.db, after, {
      batchSize: 25,
      // Between the read and the write of every batch, a refresh in an old process (still sealing with k1) and one
      // in a new process (sealing with k2) land on two rows of the batch.
      onBatchRead: async ({ rowIds }) => {
        const [first, second] = rowIds
        if (first === undefined || second === undefined || concurrentWrites >= 20) return
        for (const [id, vault] of [
          [first, before],
          [second, after],
        ] as const) {
          const token = `refreshed-${concurrentWrites++}`
          await writeCredentials(database.db, vault, id, { accessToken: token })
          expected.set(id, token)
        }
      },
    })

    expect(concurrentWrites).toBeGreaterThanOrEqual(10)
    expect(report.remainingByKeyId).toEqual({ k2: 120 })
    const rows = await database.db.selectFrom('connections').select(['id', 'credentials']).execute()
    for (const row of rows) {
      const opened = after.openJson<{ accessToken: string }>(row.credentials!, credentialsContext(row.id))
      expect(opened.accessToken).toBe(expected.get(row.id))
    }
  })

  it('can be run again after an interruption, and then finds nothing to do', async () => {
    await database.db.deleteFrom('connections').execute()
    for (let index = 0; index < 60; index++)
      await insertSealedConnection(database.db, before, `again-${index}`, { n: index })
    let batches = 0
    const interrupted = rotateSealedValues(database.db, after, {
      batchSize: 10,
      onBatchRead: () => {
        if (++batches === 3) throw new Error('interrupted')
      },
    })
    await expect(interrupted).rejects.toThrow('interrupted')
    const resumed = await rotateSealedValues(database.db, after, { batchSize: 10 })
    expect(resumed.resealed).toBe(40)
    expect(resumed.remainingByKeyId).toEqual({ k2: 60 })
    expect((await rotateSealedValues(database.db, after)).resealed).toBe(0)
  })

  if (backend.name !== 'postgres') return
  it('leaves no plaintext token in a pg_dump', async () => {
    const token = `xoxb-dump-${randomBytes(12).toString('hex')}`
    await insertSealedConnection(database.db, after, 'dumped', { accessToken: token, refreshToken: `${token}-r` })
    const dump = execFileSync('pg_dump', ['--data-only', database.url!], { encoding: 'utf8' })
    expect(dump).toContain('dumped')
    expect(dump).not.toContain(token)
  })
})

describe('the embedded database files', () => {
  it('hold no plaintext token after one was sealed into a row', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'junction-dump-'))
    const token = `xoxb-disk-${randomBytes(12).toString('hex')}`
    try {
      const database = await openDatabase({ backend: 'pglite', dataDir })
      await migrateToLatest(database)
      await insertSealedConnection(database.db, after, 'on-disk', { accessToken: token })
      await database.close()
      const files = listFiles(dataDir)
      const contents = files.map((file) => readFileSync(file))
      expect(contents.some((bytes) => bytes.includes('on-disk'))).toBe(true)
      expect(contents.some((bytes) => bytes.includes(token))).toBe(false)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

function listFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}
