/**
 * The dashboard's page records over real databases (server/dashboard/page-records.ts): what a form's answer shows after
 * its redirect, kept for one session, sealed at rest, read once when asked, gone with its session or its time.
 * Two dashboards on one database, as two hub instances behind a balancer, are in dashboard-instances.test.ts.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiKeys, createApiKeys } from '../src/api-keys/api-keys.js'
import { createDashboardSessions, type DashboardSessions } from '../src/api-keys/dashboard-sessions.js'
import { createPageRecords, type PageRecordsOptions } from '../src/server/dashboard/page-records.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { rotateSealedValues } from '../src/vault/rotate.js'
import { createVault, type Vault } from '../src/vault/vault.js'
import { backends, type TestDatabase } from './helpers/backends.js'

const k1 = { id: 'k1', key: randomBytes(32) }
const k2 = { id: 'k2', key: randomBytes(32) }

describe.each(backends())('page records on $name', (backend) => {
  let database: TestDatabase
  let apiKeys: ApiKeys
  let sessions: DashboardSessions
  let adminKey: string
  const vault = createVault([k1])

  beforeAll(async () => {
    database = await backend.open()
    await migrateToLatest(database)
    apiKeys = createApiKeys(database.db)
    sessions = createDashboardSessions(database.db, apiKeys)
    adminKey = (await apiKeys.create('page records')).key
  })
  afterAll(() => database.close())

  const signIn = async (over = sessions) => (await over.signIn(adminKey))?.id ?? ''
  const recordsOver = (options: PageRecordsOptions = {}, over: Vault = vault) =>
    createPageRecords<string>({ db: database.db, vault: over }, options)
  const rowCount = async () =>
    Number(
      (
        await database.db
          .selectFrom('page_records')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('keeps a record for its session only, and forgets a once-read one as it is read', async () => {
    const records = recordsOver()
    const [mine, theirs] = [await signIn(), await signIn()]
    const kept = await records.keep(mine, 'result')
    const secret = await records.keep(mine, 'secret', { once: true })
    expect(kept).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(await records.read(theirs, kept)).toBeUndefined()
    expect(await records.read(theirs, secret)).toBeUndefined()
    expect(await records.read(mine, kept)).toBe('result')
    expect(await records.read(mine, kept)).toBe('result')
    // Another session's try did not use it up.
    expect(await records.read(mine, secret)).toBe('secret')
    expect(await records.read(mine, secret)).toBeUndefined()
    expect(await records.read(mine, undefined)).toBeUndefined()
    // Ids that are not ours are never sent to the database (a UUID column would refuse them).
    // The last of 22 characters carries 2 bits of the 16 bytes: its lowest bit is ignored when decoding.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const canonical = Buffer.from(kept, 'base64url')
    const otherSpelling = `${kept.slice(0, 21)}${alphabet[alphabet.indexOf(kept.slice(21)) ^ 1]}`
    expect(Buffer.from(otherSpelling, 'base64url').equals(canonical)).toBe(true)
    for (const id of ['', 'x', `${kept}A`, kept.slice(1), otherSpelling, '00000000-0000-0000-0000-000000000000'])
      expect(await records.read(mine, id), id).toBeUndefined()
  })

  it('gives a once-read record to one of two readers at the same time, as two instances would ask', async () => {
    const session = await signIn()
    const [first, second] = [recordsOver(), recordsOver()]
    for (let round = 0; round < 5; round++) {
      const id = await first.keep(session, `secret-${round}`, { once: true })
      const read = await Promise.all([first.read(session, id), second.read(session, id), second.read(session, id)])
      expect(read.filter((value) => value !== undefined)).toEqual([`secret-${round}`])
    }
  })

  it('forgets a record after its time, removing it when read and, a few at a time, when another is kept', async () => {
    let now = Date.now()
    const records = recordsOver({ ttlMs: 1_000, now: () => now })
    const session = await signIn()
    await database.db.deleteFrom('page_records').execute()
    const [read, cleared] = [await records.keep(session, 'read late'), await records.keep(session, 'left')]
    now += 999
    expect(await records.read(session, read)).toBe('read late')
    now += 1
    expect(await records.read(session, read)).toBeUndefined()
    expect(await rowCount()).toBe(1)
    const fresh = await records.keep(session, 'fresh')
    expect(await rowCount()).toBe(1)
    expect(await records.read(session, cleared)).toBeUndefined()
    expect(await records.read(session, fresh)).toBe('fresh')
  })

  it("keeps at most maxRecordsPerSession of a session's records, its oldest going first", async () => {
    const records = recordsOver({ maxRecordsPerSession: 3 })
    const [session, other] = [await signIn(), await signIn()]
    const others = await records.keep(other, 'other')
    const ids: string[] = []
    for (const value of ['a', 'b', 'c', 'd']) ids.push(await records.keep(session, value))
    expect(await Promise.all(ids.map((id) => records.read(session, id)))).toEqual([undefined, 'b', 'c', 'd'])
    expect(await records.read(other, others)).toBe('other')
  })

  it('forgets every record of a session on forget, on sign-out, and when the expired session is removed', async () => {
    const records = recordsOver()
    const forgotten = await signIn()
    const id = await records.keep(forgotten, 'forgotten')
    await records.forget(forgotten)
    expect(await records.read(forgotten, id)).toBeUndefined()

    const signedOut = await signIn()
    const kept = await records.keep(signedOut, 'signed out')
    const before = await rowCount()
    await sessions.signOut(signedOut)
    expect(await rowCount()).toBe(before - 1)
    expect(await records.read(signedOut, kept)).toBeUndefined()

    // A session that expired is removed by a later sign-in, and its records with it.
    const shortLived = createDashboardSessions(database.db, apiKeys, { ttlMs: 1 })
    const expired = await signIn(shortLived)
    const left = await records.keep(expired, 'left behind')
    await new Promise((resolve) => setTimeout(resolve, 20))
    await signIn()
    const rows = await database.db.selectFrom('page_records').select('id').execute()
    expect(rows.map((row) => Buffer.from(row.id.replaceAll('-', ''), 'hex').toString('base64url'))).not.toContain(left)
  })

  it('keeps nothing for a session that is gone, without failing the form', async () => {
    const records = recordsOver()
    const session = await signIn()
    await sessions.signOut(session)
    const id = await records.keep(session, 'nobody reads this')
    expect(await records.read(session, id)).toBeUndefined()
  })

  it('stores a key secret and a tried result sealed, never in the clear', async () => {
    const records = createPageRecords<unknown>({ db: database.db, vault })
    const session = await signIn()
    const secret = `jnc_${randomBytes(32).toString('base64url')}`
    const answer = `provider-answer-${randomBytes(8).toString('hex')}`
    const keyId = await records.keep(session, { kind: 'new-key', name: 'sealed', key: secret }, { once: true })
    const triedId = await records.keep(session, { kind: 'tried', outcome: { ok: true, value: { body: answer } } })
    const rows = await database.db.selectFrom('page_records').selectAll().execute()
    const raw = JSON.stringify(rows)
    expect(raw).not.toContain(secret)
    expect(raw).not.toContain(answer)
    expect(raw).not.toContain('new-key')
    for (const row of rows) expect(row.value).toMatch(/^v1\.k1\./)
    // The session is named by its hash only, as in dashboard_sessions.
    expect(raw).not.toContain(session)
    expect(await records.read(session, triedId)).toMatchObject({ outcome: { value: { body: answer } } })
    expect(await records.read(session, keyId)).toMatchObject({ key: secret })
  })

  it('is re-sealed by vault rotate, so a record kept before a rotation opens under the new key alone', async () => {
    const session = await signIn()
    const id = await recordsOver({}, createVault([k1])).keep(session, 'across a rotation')
    const report = await rotateSealedValues(database.db, createVault([k2, k1]))
    expect(report.remainingByKeyId.k1).toBeUndefined()
    expect(await recordsOver({}, createVault([k2])).read(session, id)).toBe('across a rotation')
  })
})
