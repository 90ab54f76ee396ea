/**
 * Two hub instances on one PostgreSQL database, as behind a balancer without sticky sessions (docs/production.md): a
 * dashboard form answered by one instance redirects to a page the other may serve, and that page shows what the form
 * left for it (server/dashboard/page-records.ts): a new key's secret, once, to the session that made it. While the
 * records cannot be read, the page is the dashboard's "not available" page, and the secret is still there afterwards.
 */
import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/config.js'
import { composeHub } from '../src/hub/compose.js'
import type { Hub } from '../src/hub/hub.js'
import { type Database, openDatabase } from '../src/storage/database.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { createVault } from '../src/vault/vault.js'
import { createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'

const origin = 'http://localhost:3003'
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
/**
 * How long the outage test's third instance may run a statement: a read of a locked table is cancelled after this, as in
 * an outage. Instances a and b keep the default timeouts, so a slow database fails none of the other tests.
 */
const statementTimeoutMs = 1_000
const secretPattern = /<code class="secret">(jnc_[A-Za-z0-9_-]{43})<\/code>/

/** One browser (one cookie jar) that may be sent to either instance, as a balancer does. */
class Browser {
  cookie: string | undefined

  async get(app: Hono, path: string): Promise<Response> {
    const headers: Record<string, string> = { accept: browserAccept }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    return app.request(path, { headers })
  }

  async post(app: Hono, path: string, fields: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {
      accept: browserAccept,
      'content-type': 'application/x-www-form-urlencoded',
      origin,
    }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    const response = await app.request(path, { method: 'POST', headers, body: new URLSearchParams(fields) })
    const set = response.headers.get('set-cookie')
    if (set !== null) this.cookie = set.split(';')[0]
    return response
  }

  async signIn(app: Hono, key: string): Promise<void> {
    expect((await this.post(app, '/sign-in', { key })).status).toBe(303)
  }

  async csrf(app: Hono): Promise<string> {
    const token = /name="_csrf" value="([^"]+)"/.exec(await (await this.get(app, '/keys')).text())?.[1]
    if (token === undefined) throw new Error('no CSRF token on /keys')
    return token
  }

  /** Creates a key on `app` and returns the page the form redirects to (no fragment, as a browser asks for it). */
  async createKey(app: Hono, name: string): Promise<string> {
    const created = await this.post(app, '/keys', { name, _csrf: await this.csrf(app) })
    expect(created.status).toBe(303)
    const location = created.headers.get('location') ?? ''
    expect(location).toMatch(/^\/keys\?new=1&shown=[A-Za-z0-9_-]{22}$/)
    return location
  }
}

const adminUrl = postgresAdminUrl()

describe.runIf(adminUrl !== null)('the dashboard on two hub instances sharing one PostgreSQL database', () => {
  let dropDatabase: (() => Promise<void>) | undefined
  let databaseUrl: string
  const hubs: Hub[] = []
  let a: Hono
  let b: Hono
  let key: string
  // The same configuration and keys on every instance, as docs/production.md asks; each its own pool, as processes.
  const vault = createVault([{ id: 'k1', key: randomBytes(32) }])
  const open = (database: Database) =>
    composeHub({
      options: loadConfig({ cwd: '/srv', env: {}, file: {} }),
      logger: capturedLogger().logger,
      database,
      keys: () => ({ vault, vaultKeys: { keys: [], developmentFile: undefined } }),
      closeParts: () => database.close(),
    })

  beforeAll(async () => {
    const created = await createPostgresDatabase(adminUrl!)
    dropDatabase = created.drop
    databaseUrl = created.url
    const first = open(await openDatabase({ backend: 'postgres', url: databaseUrl, poolSize: 3 }))
    hubs.push(first)
    await migrateToLatest(first.database)
    const second = open(await openDatabase({ backend: 'postgres', url: databaseUrl, poolSize: 3 }))
    hubs.push(second)
    a = first.app()
    b = second.app()
    key = (await first.apiKeys.create('instances')).key
  })
  afterAll(async () => {
    for (const hub of hubs) await hub.close()
    await dropDatabase?.()
  })

  it("shows a key created on one instance on the other instance's page, once only", async () => {
    const browser = new Browser()
    await browser.signIn(a, key)
    const location = await browser.createKey(a, 'made on a')
    // The balancer sends the redirected page to the other instance.
    const shown = await (await browser.get(b, location)).text()
    const secret = secretPattern.exec(shown)?.[1]
    expect(secret, 'the secret, on the instance that did not create the key').toBeDefined()
    expect(await hubs[1]!.apiKeys.verify(secret!)).toMatchObject({ name: 'made on a' })
    // Once only: a reload on either instance finds it gone, and says so.
    for (const app of [b, a]) {
      const reloaded = await (await browser.get(app, location)).text()
      expect(reloaded).not.toContain(secret)
      expect(reloaded).not.toContain('class="secret"')
      expect(reloaded).toContain('A new key is shown once only')
    }
    // A notice is kept for the session too: a refused form on b, its reason shown by a (and again on a reload).
    const refused = await browser.post(b, '/keys', { name: ' ', _csrf: await browser.csrf(b) })
    for (let reload = 0; reload < 2; reload++)
      expect(await (await browser.get(a, refused.headers.get('location') ?? '')).text()).toContain('a key name is 1 to')
  })

  it('shows the secret to no other session, on either instance, and still to its own afterwards', async () => {
    const owner = new Browser()
    await owner.signIn(a, key)
    const other = new Browser()
    await other.signIn(b, key)
    const location = await owner.createKey(a, 'not yours')
    for (const app of [a, b]) {
      const page = await (await other.get(app, location)).text()
      expect(page).not.toContain('class="secret"')
      expect(page).toContain('A new key is shown once only')
    }
    expect(await (await owner.get(b, location)).text()).toMatch(secretPattern)
  })

  it('answers the "not available" page while the records cannot be read, and shows the secret once they can', async () => {
    const browser = new Browser()
    await browser.signIn(a, key)
    const location = await browser.createKey(a, 'read after an outage')
    // A third instance, its statements cancelled after statementTimeoutMs, for this test only.
    const third = open(
      await openDatabase({ backend: 'postgres', url: databaseUrl, poolSize: 3, timeouts: { statementTimeoutMs } }),
    )
    const c = third.app()
    try {
      const csrf = await browser.csrf(c)
      // Another client holds the records' table: instance c's statements on it are cancelled, as a database that does
      // not answer in time; its sessions and keys still answer, so the page gets as far as the record.
      const locker = new pg.Client({ connectionString: databaseUrl })
      await locker.connect()
      try {
        await locker.query('begin')
        await locker.query('lock table page_records in access exclusive mode')
        const page = await browser.get(c, location)
        expect(page.status).toBe(503)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
        expect(page.headers.get('retry-after')).toBe('5')
        const html = await page.text()
        expect(html).toContain('Not available right now')
        expect(html).toContain('the database is not answering')
        expect(html).not.toMatch(/\bat [\w.<>]+ \(|page_records|57014|statement timeout/)
        // A form answered on c meanwhile (a refused one: nothing else happens) gets the same page.
        const form = await browser.post(c, '/keys', { name: ' ', _csrf: csrf })
        expect(form.status).toBe(503)
        expect(await form.text()).toContain('Not available right now')
      } finally {
        await locker.query('rollback').catch(() => undefined)
        await locker.end()
      }
    } finally {
      await third.close()
    }
    // Nothing was read meanwhile: the secret is shown now, once.
    expect(await (await browser.get(b, location)).text()).toMatch(secretPattern)
    expect(await (await browser.get(b, location)).text()).not.toMatch(secretPattern)
  })
})
