/**
 * The dashboard's guards and pages, in process (docs/security.md, "Dashboard"): sign-in with a key buys a server-side
 * session, pages need it, state-changing requests need the CSRF token and our Origin, revoking the key ends the
 * session, and every page sends the CSP. The flows in a real browser are in dashboard-browser.serial.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDashboardSessions } from '../src/api-keys/dashboard-sessions.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const origin = 'http://localhost:3003'

/** A browser's side of the dashboard: one cookie jar, forms posted from our origin unless told otherwise. */
class DashboardBrowser {
  cookie: string | undefined
  constructor(private readonly h: ConnectionHarness) {}

  async get(path: string): Promise<Response> {
    return this.h.app.request(path, { headers: this.cookie === undefined ? {} : { cookie: this.cookie } })
  }

  async post(path: string, fields: Record<string, string>, from: string | null = origin): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    if (from !== null) headers.origin = from
    const response = await this.h.app.request(path, { method: 'POST', headers, body: new URLSearchParams(fields) })
    const set = response.headers.get('set-cookie')
    if (set !== null) this.cookie = set.split(';')[0]
    return response
  }

  async signIn(key: string): Promise<Response> {
    return this.post('/sign-in', { key })
  }

  async csrf(path = '/'): Promise<string> {
    const html = await (await this.get(path)).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (token === undefined) throw new Error(`no CSRF token on ${path}`)
    return token
  }
}

describe.each(backends())('the dashboard on $name', (backend) => {
  let h: ConnectionHarness

  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(async () => {
    await h.close()
  })

  it('sends a signed-out browser to the sign-in page, with the CSP on every page', async () => {
    const browser = new DashboardBrowser(h)
    for (const path of ['/', '/connections', '/logs', '/keys', '/integrations/acme']) {
      const response = await browser.get(path)
      expect(response.status, path).toBe(303)
      expect(response.headers.get('location')).toBe('/sign-in')
      expect(response.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'")
    }
    const signIn = await browser.get('/sign-in')
    expect(signIn.status).toBe(200)
    expect(await signIn.clone().text()).toMatch(/^<!doctype html><html lang="en">/)
    expect(signIn.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'")
    expect(await signIn.text()).toContain('API key')
  })

  it('refuses a wrong key with one message, and a sign-in posted from another origin', async () => {
    const browser = new DashboardBrowser(h)
    for (const key of ['', 'nonsense', `jnc_${'A'.repeat(43)}`]) {
      const response = await browser.signIn(key)
      expect(response.status).toBe(401)
      expect(await response.text()).toContain('That key is not valid')
      expect(browser.cookie).toBeUndefined()
    }
    const foreign = await browser.post('/sign-in', { key: h.key }, 'https://evil.example')
    expect(foreign.status).toBe(403)
    const noOrigin = await browser.post('/sign-in', { key: h.key }, null)
    expect(noOrigin.status).toBe(403)
    expect(browser.cookie).toBeUndefined()
  })

  it('signs in with a key: an HttpOnly, SameSite=Strict session cookie that is not the key', async () => {
    const browser = new DashboardBrowser(h)
    const response = await browser.signIn(h.key)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/')
    const cookie = response.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^junction-session=[A-Za-z0-9_-]{43};/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).toContain('Path=/')
    expect(cookie).not.toContain(h.key)
    const home = await browser.get('/')
    expect(home.status).toBe(200)
    const html = await home.text()
    expect(html).toContain('<h1>Integrations</h1>')
    expect(html).toContain('href="/integrations/acme"')
    expect(html).not.toContain(h.key)
    // The session lives in the database by its hash only.
    const rows = await h.database.db.selectFrom('dashboard_sessions').selectAll().execute()
    const id = browser.cookie?.split('=')[1] ?? ''
    expect(JSON.stringify(rows)).not.toContain(id)
  })

  it('refuses a state-changing request without the CSRF token, with a wrong one, or from another origin', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const token = await browser.csrf('/keys')
    const before = await h.apiKeys.countActive()
    expect((await browser.post('/keys', { name: 'no token' })).status).toBe(403)
    expect((await browser.post('/keys', { name: 'wrong', _csrf: 'x'.repeat(43) })).status).toBe(403)
    expect((await browser.post('/keys', { name: 'foreign', _csrf: token }, 'https://evil.example')).status).toBe(403)
    expect((await browser.post('/keys', { name: 'no origin', _csrf: token }, null)).status).toBe(403)
    // A body that is not a form is refused, not a server error.
    const garbled = await h.app.request('/keys', {
      method: 'POST',
      headers: { cookie: browser.cookie ?? '', origin, 'content-type': 'multipart/form-data; boundary=x' },
      body: 'not multipart at all',
    })
    expect(garbled.status).toBe(400)
    const garbledSignIn = await h.app.request('/sign-in', {
      method: 'POST',
      headers: { origin, 'content-type': 'multipart/form-data; boundary=x' },
      body: 'not multipart at all',
    })
    expect(garbledSignIn.status).toBe(400)
    // Another session's token does not work either.
    const other = new DashboardBrowser(h)
    await other.signIn(h.key)
    expect((await browser.post('/keys', { name: 'other', _csrf: await other.csrf('/keys') })).status).toBe(403)
    expect(await h.apiKeys.countActive()).toBe(before)

    const created = await browser.post('/keys', { name: 'made in the dashboard', _csrf: token })
    expect(created.status).toBe(200)
    const shown = /<code class="secret">(jnc_[A-Za-z0-9_-]{43})<\/code>/.exec(await created.text())?.[1]
    expect(shown).toBeDefined()
    expect(await h.apiKeys.verify(shown ?? '')).toMatchObject({ name: 'made in the dashboard' })
    // Shown once: the list shows only its prefix.
    expect(await (await browser.get('/keys')).text()).not.toContain(shown)
    // What users typed is text, never markup.
    await browser.post('/keys', { name: '<b>bold</b>', _csrf: token })
    const listed = await (await browser.get('/keys')).text()
    expect(listed).toContain('&lt;b&gt;bold&lt;/b&gt;')
    expect(listed).not.toContain('<b>bold</b>')
  })

  it('accepts the loopback twins of a development hub as our origin', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const token = await browser.csrf('/keys')
    const made = await browser.post('/keys', { name: 'from 127.0.0.1', _csrf: token }, 'http://127.0.0.1:3003')
    expect(made.status).toBe(200)
    expect((await browser.post('/keys', { name: 'other port', _csrf: token }, 'http://127.0.0.1:3004')).status).toBe(
      403,
    )
  })

  it('ends the session on sign-out, and when its key is revoked (by any instance)', async () => {
    const { key, info } = await h.apiKeys.create('short-lived')
    const browser = new DashboardBrowser(h)
    await browser.signIn(key)
    expect((await browser.get('/')).status).toBe(200)
    // Revoked through another ApiKeys over the same database: another instance.
    const { createApiKeys } = await import('../src/api-keys/api-keys.js')
    await createApiKeys(h.database.db).revoke(info.id)
    expect((await browser.get('/')).status).toBe(303)

    const second = new DashboardBrowser(h)
    await second.signIn(h.key)
    const token = await second.csrf()
    expect((await second.post('/sign-out', { _csrf: token })).status).toBe(303)
    expect((await second.get('/')).status).toBe(303)
  })

  it('revoking its own key from the keys page signs the browser out', async () => {
    const { key, info } = await h.apiKeys.create('revoke me')
    const browser = new DashboardBrowser(h)
    await browser.signIn(key)
    const revoked = await browser.post(`/keys/${info.id}/revoke`, { _csrf: await browser.csrf('/keys') })
    expect(revoked.status).toBe(303)
    expect(revoked.headers.get('location')).toBe('/sign-in?revoked=1')
    expect((await browser.get('/keys')).status).toBe(303)
    expect(await h.apiKeys.verify(key)).toBeUndefined()
  })

  it('expires sessions after their lifetime', async () => {
    const sessions = createDashboardSessions(h.database.db, h.apiKeys, { ttlMs: 50 })
    const signedIn = await sessions.signIn(h.key)
    expect(signedIn).toBeDefined()
    expect(await sessions.find(signedIn?.id ?? '')).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(await sessions.find(signedIn?.id ?? '')).toBeUndefined()
    expect(await sessions.find('not-a-session')).toBeUndefined()
  })

  it('tries a request through the proxy, and shows it in the logs, the log detail and the chart', async () => {
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'dash-user', credentials: { apiKey: 'k-dash-secret' } }),
    })
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const token = await browser.csrf('/integrations/keyed')
    const tried = await browser.post('/integrations/keyed/try', {
      _csrf: token,
      userId: 'dash-user',
      method: 'GET',
      path: '/things?page=2',
    })
    expect(tried.status).toBe(200)
    const page = await tried.text()
    expect(page).toMatch(/Answer: <span class="status-error">400<\/span>/)
    expect(page).not.toContain('k-dash-secret')
    const upstream = h.provider.calls.at(-1)
    expect(upstream?.path).toBe('/api/things?page=2')
    expect(upstream?.headers['x-api-key']).toBe('k-dash-secret')

    await new Promise((resolve) => setTimeout(resolve, 100))
    const logs = await (await browser.get('/logs?integration=keyed')).text()
    expect(logs).toContain('GET /things?page=2')
    expect(logs).toContain('<td>dash-user</td>')
    const detailPath = /href="(\/logs\/[0-9a-f-]{36})"/.exec(logs)?.[1]
    expect(detailPath).toBeDefined()
    const detail = await (await browser.get(detailPath ?? '')).text()
    expect(detail).toContain('<dt>Attempts</dt>')
    expect(detail).toContain('<dt>Waited for the rate limit</dt>')

    const chart = await (await browser.get('/integrations/keyed')).text()
    expect(chart).toContain('aria-label="1 calls, 1 failed"')
    expect(chart).toMatch(/<rect class="calls"/)
    expect(chart).toMatch(/<rect class="errors"/)
    const wholeDay = await (await browser.get('/integrations/keyed?range=24h')).text()
    expect(wholeDay).toContain('aria-label="1 calls, 1 failed"')
  })

  it('filters connections, refreshes and deletes one, and starts a connect link for a new one', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'a+b', credentials: { apiKey: 'k-del' } }),
    })
    // `a+b` is a valid user id that a careless query or form decoder turns into `a b`: the actions carry ids in the
    // form, encoded by the browser, and the filter reads them back exactly.
    const listed = await (await browser.get('/connections?integration=keyed&userId=a%2Bb')).text()
    expect(listed).toContain('<td>a+b</td>')
    expect(listed).toMatch(/action="\/connections\/delete".*?name="userId" value="a\+b"/s)
    expect(listed).not.toContain('<td>dash-user</td>')
    const token = await browser.csrf('/connections')

    // An API key has nothing to refresh: no button, and a forged request says so.
    expect(listed).not.toContain('action="/connections/refresh"')
    const refreshed = await browser.post('/connections/refresh', { _csrf: token, integration: 'keyed', userId: 'a+b' })
    expect(refreshed.status).toBe(400)
    expect(await refreshed.text()).toContain('have no token to refresh')

    const deleted = await browser.post('/connections/delete', { _csrf: token, integration: 'keyed', userId: 'a+b' })
    expect(deleted.status).toBe(303)
    expect(deleted.headers.get('location')).toBe('/connections?done=deleted')
    expect(await h.services.connections.list({ integration: 'keyed', userId: 'a+b', limit: 1 })).toMatchObject({
      data: [],
    })

    const connect = await browser.post('/connections/connect', {
      _csrf: token,
      integration: 'acme',
      userId: 'dash-new',
    })
    expect(connect.status).toBe(303)
    expect(connect.headers.get('location')).toMatch(/^http:\/\/localhost:3003\/connect\/[A-Za-z0-9_-]+$/)
    const refused = await browser.post('/connections/connect', {
      _csrf: token,
      integration: 'acme',
      userId: 'bad user',
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('userId: not a valid user id')
    // The connect flow's outcome is shown only in the shapes it can take: a crafted link puts no words on the page.
    const crafted = await (await browser.get('/connections?status=error&error=Call%20us%20at%20555')).text()
    expect(crafted).toContain('The connection failed (unknown error).')
    expect(crafted).not.toContain('Call us')
    expect(await (await browser.get('/connections?status=error&error=access_denied')).text()).toContain(
      'The connection failed (access_denied).',
    )
  })
})

describe('the dashboard behind a path prefix, and back from another site', () => {
  let h: ConnectionHarness

  beforeAll(async () => {
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, { publicUrl: 'http://localhost:3003/junction' })
  })
  afterAll(async () => {
    await h.close()
  })

  it("links and redirects under the public URL's path (the library mounts the hub under basePath)", async () => {
    const browser = new DashboardBrowser(h)
    expect((await browser.get('/')).headers.get('location')).toBe('/junction/sign-in')
    const signIn = await browser.get('/sign-in')
    expect(await signIn.text()).toContain('action="/junction/sign-in"')
    const signedIn = await browser.signIn(h.key)
    expect(signedIn.headers.get('location')).toBe('/junction/')
    const home = await (await browser.get('/')).text()
    expect(home).toContain('href="/junction/assets/dashboard.css"')
    expect(home).toContain('href="/junction/connections"')
    expect(home).toContain('action="/junction/sign-out"')
  })

  it('reloads a navigation that came back from another site, so that its SameSite=Strict cookie is sent', async () => {
    const response = await h.app.request('/connections', { headers: { 'sec-fetch-site': 'cross-site' } })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<meta http-equiv="refresh" content="0">')
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'")
    // A same-site navigation without a session goes to the sign-in page, so the reload cannot loop.
    const reloaded = await h.app.request('/connections', { headers: { 'sec-fetch-site': 'same-origin' } })
    expect(reloaded.status).toBe(303)
    // Nor can it in a browser that calls the reload cross-site too: the marker it left sends it on to sign in.
    const marker = response.headers.get('set-cookie')?.split(';')[0] ?? ''
    expect(marker).toBe('junction-reloaded=1')
    const again = await h.app.request('/connections', { headers: { 'sec-fetch-site': 'cross-site', cookie: marker } })
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe('/junction/sign-in')
  })
})
