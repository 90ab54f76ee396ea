/**
 * The dashboard's guards and pages, in process (docs/security.md, "Dashboard"): sign-in with a key buys a server-side
 * session, pages need it, state-changing requests need the CSRF token and our Origin, revoking the key ends the
 * session, and every page sends the CSP. Every form answers with a redirect to a page (Post/Redirect/Get), so that a
 * reload repeats nothing; destructive actions take a confirmation step; errors are HTML pages for a browser and JSON
 * for the API, where a wrong method is a 405. The flows in a real browser are in dashboard-browser.serial.test.ts.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDashboardSessions } from '../src/api-keys/dashboard-sessions.js'
import { describeJsonProblem, findJsonProblem } from '../src/server/dashboard/json-check.js'
import { appendEvent } from '../src/storage/events-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const origin = 'http://localhost:3003'
const csp = "default-src 'self'; frame-ancestors 'none'"
/** What a browser's navigation accepts: the dashboard answers its errors to these with HTML pages. */
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

/** A browser's side of the dashboard: one cookie jar, forms posted from our origin unless told otherwise. */
class DashboardBrowser {
  cookie: string | undefined
  constructor(private readonly h: ConnectionHarness) {}

  async get(path: string): Promise<Response> {
    const headers: Record<string, string> = { accept: browserAccept }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    return this.h.app.request(path, { headers })
  }

  /** Follows a form's redirect, as a browser does: a GET of its Location (the fragment stays in the browser). */
  async follow(response: Response): Promise<Response> {
    expect(response.status, 'a form answers with a redirect').toBe(303)
    const location = response.headers.get('location') ?? ''
    return this.get(location.split('#')[0] ?? '')
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
    for (const path of ['/', '/connections', '/logs', '/events', '/keys', '/integrations/acme']) {
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
      // Redirected, so that a reload does not send the key again.
      expect(response.headers.get('location')).toBe('/sign-in?refused=1')
      expect(await (await browser.follow(response)).text()).toContain('That key is not valid')
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
    const shown = /<code class="secret">(jnc_[A-Za-z0-9_-]{43})<\/code>/.exec(
      await (await browser.follow(created)).text(),
    )?.[1]
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
    expect(made.status).toBe(303)
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
    // Long enough that a busy machine still reads the session before it ends (50 ms was not, on CI).
    const ttlMs = 2_000
    const sessions = createDashboardSessions(h.database.db, h.apiKeys, { ttlMs })
    const signedIn = await sessions.signIn(h.key)
    expect(signedIn).toBeDefined()
    expect(await sessions.find(signedIn?.id ?? '')).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 300))
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
    const page = await (await browser.follow(tried)).text()
    expect(page).toMatch(/Answer: <span class="status-error">400<\/span>/)
    expect(page).not.toContain('k-dash-secret')
    const upstream = h.provider.calls.at(-1)
    expect(upstream?.path).toBe('/api/things?page=2')
    expect(upstream?.headers['x-api-key']).toBe('k-dash-secret')

    // The answer's link leads to this integration's and user's calls, the one just made first.
    const logsLink = /<a href="([^"]*)">See it in the call logs<\/a>/.exec(page)?.[1] ?? ''
    expect(logsLink).toBe('/logs?integration=keyed&amp;userId=dash-user')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const logs = await (await browser.get(logsLink.replaceAll('&amp;', '&'))).text()
    expect(logs).toContain('GET /things?page=2')
    expect(logs).toContain('<td data-label="User">dash-user</td>')
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
    expect(listed).toContain('<td data-label="User">a+b</td>')
    expect(listed).toContain('href="/connections/delete?integration=keyed&amp;userId=a%2Bb"')
    expect(listed).not.toContain('<td data-label="User">dash-user</td>')
    const token = await browser.csrf('/connections')

    // An API key has nothing to refresh: no button, and a forged request says so.
    expect(listed).not.toContain('action="/connections/refresh"')
    const refreshed = await browser.post('/connections/refresh', { _csrf: token, integration: 'keyed', userId: 'a+b' })
    expect(await (await browser.follow(refreshed)).text()).toContain('have no token to refresh')

    // Delete is a link to a confirmation page, whose form carries the ids exactly.
    const confirm = await (await browser.get('/connections/delete?integration=keyed&userId=a%2Bb')).text()
    expect(confirm).toMatch(/action="\/connections\/delete".*?name="userId" value="a\+b"/s)
    const deleted = await browser.post('/connections/delete', { _csrf: token, integration: 'keyed', userId: 'a+b' })
    expect(deleted.headers.get('location')).toMatch(/^\/connections\?shown=[A-Za-z0-9_-]{22}$/)
    expect(await (await browser.follow(deleted)).text()).toContain('Deleted: revoked at the provider')
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
    expect(refused.headers.get('location')).toMatch(/^\/connections\?shown=[A-Za-z0-9_-]{22}#connect$/)
    expect(await (await browser.follow(refused)).text()).toContain('userId: not a valid user id')
    // The connect flow's outcome is shown only in the shapes it can take: a crafted link puts no words on the page.
    const crafted = await (await browser.get('/connections?status=error&error=Call%20us%20at%20555')).text()
    expect(crafted).toContain('The connection failed (unknown error).')
    expect(crafted).not.toContain('Call us')
    expect(await (await browser.get('/connections?status=error&error=access_denied')).text()).toContain(
      'The connection failed (access_denied).',
    )
  })
  it('lists events, shows one with its payload and delivery state, and redelivers one or every dead one', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'event-user', credentials: { apiKey: 'k-event' } }),
    })
    // A webhook's body is the provider's text: the pages show it escaped, as it came.
    const hostile = '<script>alert("x")</script>'
    const webhookId = await appendEvent(h.database.db, {
      type: 'webhook.received',
      userId: 'event-user',
      integration: 'acme',
      data: { integration: 'acme', provider: 'acme', providerEventId: null, userIds: ['event-user'], body: hostile },
    })

    const listed = await (await browser.get('/events?userId=event-user')).text()
    expect(listed).toContain('<h1>Events</h1>')
    expect(listed).toContain('href="/events" aria-current="page"')
    expect(listed).toContain('<td data-label="Type"><code>connection.created</code></td>')
    expect(listed).toContain('<td data-label="Type"><code>webhook.received</code></td>')
    expect(listed).toMatch(/<td data-label="When"><a href="\/events\/[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d<\/a><\/td>/)
    expect(listed).toContain('<td data-label="User" class="wrap">event-user</td>')
    expect(listed).toContain('<td data-label="Delivery">pending</td>')
    const byType = await (await browser.get('/events?userId=event-user&type=connection.created')).text()
    expect(byType).toContain('connection.created</code>')
    expect(byType).not.toContain('webhook.received</code></td>')
    expect(await (await browser.get('/events?status=nonsense')).text()).toContain('status: one of pending')

    const created = /href="\/events\/([^"]+)"/.exec(byType)?.[1] ?? ''
    const detail = await (await browser.get(`/events/${created}`)).text()
    expect(detail).toContain('<h1>Event</h1>')
    expect(detail).toContain('&quot;userId&quot;: &quot;event-user&quot;')
    expect(detail).toContain('&quot;integration&quot;: &quot;keyed&quot;')
    expect(detail).toMatch(/<dt>Status<\/dt><dd>pending<\/dd><dt>Attempts<\/dt><dd>0<\/dd>/)
    expect(detail).toContain('<dt>Delivered at</dt><dd>–</dd>')
    expect(detail).not.toContain('k-event')

    const webhook = await (await browser.get(`/events/${webhookId}`)).text()
    expect(webhook).not.toContain(hostile)
    expect(webhook).toContain('<pre>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</pre>')
    expect((await browser.get('/events/no-such-event')).status).toBe(404)

    // Redeliver: a form with the CSRF token, answered with a 303 to the event's page; the event is due now.
    const token = await browser.csrf(`/events/${created}`)
    expect((await browser.post('/events/redeliver', { id: created })).status).toBe(403)
    await h.database.db
      .updateTable('outbox_events')
      .set({ status: 'dead', attempts: 10, last_error: 'HTTP 500', next_attempt_at: new Date(Date.now() + 3_600_000) })
      .where('id', 'in', [created, webhookId ?? ''])
      .execute()
    const dead = await (await browser.get(`/events/${created}`)).text()
    expect(dead).toContain('<dd class="status-error">dead</dd>')
    expect(dead).toContain('<dt>Last error</dt><dd>HTTP 500</dd>')
    const redelivered = await browser.post('/events/redeliver', { _csrf: token, id: created })
    expect(redelivered.status).toBe(303)
    expect(redelivered.headers.get('location')).toMatch(new RegExp(`^/events/${created}\\?shown=[A-Za-z0-9_-]{22}$`))
    expect(await (await browser.follow(redelivered)).text()).toContain('Redelivery queued')
    const due = (await (await h.call(`/v1/events/${created}`)).json()) as {
      delivery: { status: string; nextAttemptAt: string }
    }
    expect(['pending', 'retrying']).toContain(due.delivery.status)
    expect(Math.abs(Date.parse(due.delivery.nextAttemptAt) - Date.now())).toBeLessThan(10_000)

    // Redeliver all dead: only the webhook is dead now.
    expect((await browser.post('/events/redeliver-dead', {})).status).toBe(403)
    const all = await browser.post('/events/redeliver-dead', { _csrf: token })
    expect(all.status).toBe(303)
    expect(all.headers.get('location')).toMatch(/^\/events\?shown=[A-Za-z0-9_-]{22}$/)
    expect(await (await browser.follow(all)).text()).toContain('Redelivery queued for 1 dead event: due now.')
    const again = (await (await h.call(`/v1/events/${webhookId}`)).json()) as { delivery: { status: string } }
    expect(again.delivery.status).toBe('retrying')
    const none = await browser.post('/events/redeliver-dead', { _csrf: token, type: 'webhook.received' })
    expect(none.headers.get('location')).toMatch(/^\/events\?type=webhook.received&shown=/)
    expect(await (await browser.follow(none)).text()).toContain('No dead event to redeliver.')
  })

  it('answers every form with a 303 to a page: a reload shows a new key once and creates nothing', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const token = await browser.csrf('/keys')
    const before = await h.apiKeys.countActive()
    const created = await browser.post('/keys', { name: 'reloaded', _csrf: token })
    expect(created.status).toBe(303)
    const location = created.headers.get('location') ?? ''
    expect(location).toMatch(/^\/keys\?new=1&shown=[A-Za-z0-9_-]{22}$/)
    // The secret is never in the URL.
    expect(location).not.toContain('jnc_')

    const first = await (await browser.get(location)).text()
    const secret = /<code class="secret">(jnc_[A-Za-z0-9_-]{43})<\/code>/.exec(first)?.[1] ?? ''
    expect(await h.apiKeys.verify(secret)).toMatchObject({ name: 'reloaded' })
    // A reload of the page the form led to: the secret is gone, said so, and no second key was made.
    const second = await (await browser.get(location)).text()
    expect(second).not.toContain(secret)
    expect(second).not.toContain('class="secret"')
    expect(second).toContain('A new key is shown once only')
    expect(await h.apiKeys.countActive()).toBe(before + 1)

    // Another session cannot read a record it did not make.
    const other = new DashboardBrowser(h)
    await other.signIn(h.key)
    const again = await browser.post('/keys', { name: 'not yours', _csrf: token })
    const stolen = await (await other.get(again.headers.get('location') ?? '')).text()
    expect(stolen).not.toContain('class="secret"')

    // A refused form is a redirect too, to the page with the reason.
    const refused = await browser.post('/keys', { name: ' ', _csrf: token })
    expect(await (await browser.follow(refused)).text()).toContain('a key name is 1 to')
    expect(await h.apiKeys.countActive()).toBe(before + 2)
  })

  it('shows a tried request from a record: a reload of its page sends nothing', async () => {
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'prg-user', credentials: { apiKey: 'k-prg' } }),
    })
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const token = await browser.csrf('/integrations/keyed')
    const calls = h.provider.calls.length
    const tried = await browser.post('/integrations/keyed/try', {
      _csrf: token,
      userId: 'prg-user',
      method: 'POST',
      path: '/things',
      body: '{"name": "once"}',
    })
    expect(tried.status).toBe(303)
    const location = tried.headers.get('location') ?? ''
    expect(location).toMatch(/^\/integrations\/keyed\?shown=[A-Za-z0-9_-]{22}#try$/)
    expect(h.provider.calls.length).toBe(calls + 1)
    expect(h.provider.calls.at(-1)?.headers['content-type']).toBe('application/json')
    for (let reload = 0; reload < 2; reload++) {
      const page = await (await browser.get(location.split('#')[0] ?? '')).text()
      expect(page).toMatch(/Answer: <span class="status-error">400<\/span>/)
      // The form keeps what was sent.
      expect(page).toMatch(/<option selected="">POST<\/option>/)
      expect(page).toContain('{&quot;name&quot;: &quot;once&quot;}')
    }
    expect(h.provider.calls.length).toBe(calls + 1)
    // Another session (or an instance that did not keep the record) shows no result, and says why.
    const other = new DashboardBrowser(h)
    await other.signIn(h.key)
    const elsewhere = await (await other.get(location.split('#')[0] ?? '')).text()
    expect(elsewhere).not.toContain('class="try-result"')
    expect(elsewhere).toContain('The outcome of that form is no longer shown here')
  })

  it('checks a body is JSON before sending it, and says where it is not', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'json-user', credentials: { apiKey: 'k-json' } }),
    })
    const token = await browser.csrf('/integrations/keyed')
    const calls = h.provider.calls.length
    const tried = await browser.post('/integrations/keyed/try', {
      _csrf: token,
      userId: 'json-user',
      method: 'POST',
      path: '/things',
      body: '{\n  "name": "x"\n  "size": 2\n}',
    })
    const page = await (await browser.follow(tried)).text()
    expect(page).toContain(
      'The body is not JSON (line 3, column 3: expected &#39;,&#39; or &#39;}&#39;). Nothing was sent.',
    )
    expect(h.provider.calls.length).toBe(calls)
  })

  it('offers the users with an active connection to try a request as, and none that are not connected', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const before = await (await browser.get('/integrations/acme')).text()
    // No one is connected to acme: the page says so and links to the connect form instead of a form that would fail.
    expect(before).toContain('No end user has an active connection to acme yet')
    expect(before).toContain('href="/connections?integration=acme#connect"')
    expect(before).not.toContain('action="/integrations/acme/try"')

    for (const userId of ['pick-a', 'pick-b'])
      await h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration: 'acme', userId, credentials: { accessToken: `t-${userId}` } }),
      })
    const page = await (await browser.get('/integrations/acme')).text()
    const picker = /<select id="try-user" name="userId" required="">(.*?)<\/select>/s.exec(page)?.[1] ?? ''
    expect([...picker.matchAll(/<option>([^<]*)<\/option>/g)].map((match) => match[1])).toEqual(['pick-a', 'pick-b'])
    // Not users of other integrations.
    expect(picker).not.toContain('dash-user')
  })

  it('asks before deleting a connection or revoking a key, and does it only from the confirmation form', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'confirm-me', credentials: { apiKey: 'k-confirm' } }),
    })
    const list = await (await browser.get('/connections?integration=keyed&userId=confirm-me')).text()
    // The list's Delete is a link, not a form: one click does not delete.
    expect(list).toContain(
      '<a class="button danger" href="/connections/delete?integration=keyed&amp;userId=confirm-me">',
    )
    expect(list).not.toContain('action="/connections/delete"')
    const confirm = await browser.get('/connections/delete?integration=keyed&userId=confirm-me')
    expect(confirm.status).toBe(200)
    const confirmPage = await confirm.text()
    expect(confirmPage).toContain('<h1>Delete this connection?</h1>')
    expect(confirmPage).toContain('is revoked at the provider')
    expect(confirmPage).toContain('href="/connections">Cancel</a>')
    expect((await h.call('/v1/connections/keyed/confirm-me')).status).toBe(200)
    const deleted = await browser.post('/connections/delete', {
      _csrf: await browser.csrf('/connections'),
      integration: 'keyed',
      userId: 'confirm-me',
    })
    expect(deleted.status).toBe(303)
    expect((await h.call('/v1/connections/keyed/confirm-me')).status).toBe(404)
    // A confirmation page for a connection that is not there is a 404.
    expect((await browser.get('/connections/delete?integration=keyed&userId=confirm-me')).status).toBe(404)

    const { key, info } = await h.apiKeys.create('confirm key')
    const keys = await (await browser.get('/keys')).text()
    expect(keys).toContain(`href="/keys/${info.id}/revoke"`)
    expect(keys).not.toContain(`action="/keys/${info.id}/revoke"`)
    const revokePage = await (await browser.get(`/keys/${info.id}/revoke`)).text()
    expect(revokePage).toContain('<h1>Revoke this key?</h1>')
    expect(revokePage).toContain(`action="/keys/${info.id}/revoke"`)
    expect(await h.apiKeys.verify(key)).toBeDefined()
    const revoked = await browser.post(`/keys/${info.id}/revoke`, { _csrf: await browser.csrf('/keys') })
    expect(await (await browser.follow(revoked)).text()).toContain('Revoked: the key no longer works.')
    expect(await h.apiKeys.verify(key)).toBeUndefined()
    expect((await browser.get(`/keys/${info.id}/revoke`)).status).toBe(404)
  })

  it('shows a browser HTML pages for 404 and 500, with the CSP; the API keeps JSON', async () => {
    const browser = new DashboardBrowser(h)
    const signedOut = await browser.get('/nope')
    expect(signedOut.status).toBe(404)
    expect(signedOut.headers.get('content-type')).toMatch(/^text\/html/)
    expect(signedOut.headers.get('content-security-policy')).toBe(csp)
    expect(await signedOut.text()).toContain('Nothing is at <code>/nope</code>')

    await browser.signIn(h.key)
    const missing = await browser.get('/integrations/nope')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/)
    expect(missing.headers.get('content-security-policy')).toBe(csp)
    const html = await missing.text()
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<h1>Page not found</h1>')
    // Signed in: the page has the navigation.
    expect(html).toContain('href="/connections"')
    expect((await browser.get('/logs/00000000-0000-4000-8000-000000000000')).status).toBe(404)

    // A program asking (no text/html) and the API get JSON.
    const curl = await h.app.request('/integrations/nope', { headers: { cookie: browser.cookie ?? '' } })
    expect(curl.headers.get('content-type')).toMatch(/^application\/json/)
    const api = await h.call('/v1/nothing-here', { headers: { accept: browserAccept } })
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } })

    // A page that fails: its table is gone. The error is logged, and the browser gets an HTML 500 that says nothing of it.
    await sql`ALTER TABLE api_logs RENAME TO api_logs_away`.execute(h.database.db)
    try {
      const failed = await browser.get('/logs')
      expect(failed.status).toBe(500)
      expect(failed.headers.get('content-type')).toMatch(/^text\/html/)
      expect(failed.headers.get('content-security-policy')).toBe(csp)
      const page = await failed.text()
      expect(page).toContain('<h1>Something went wrong</h1>')
      expect(page).toContain('the error was logged')
      expect(page).not.toContain('api_logs')
      expect(h.logLines.some((line) => line.includes('unexpected error') && line.includes('/logs'))).toBe(true)
    } finally {
      await sql`ALTER TABLE api_logs_away RENAME TO api_logs`.execute(h.database.db)
    }
  })

  it('answers a wrong method on the API with 405 and the methods the path has in Allow', async () => {
    const put = await h.call('/v1/connections', { method: 'PUT' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST')
    expect(put.headers.get('junction-error')).toBe('method_not_allowed')
    expect(await put.json()).toMatchObject({ error: { code: 'method_not_allowed' } })
    const key = await h.call('/v1/api-keys/some-id', { method: 'GET' })
    expect(key.status).toBe(405)
    expect(key.headers.get('allow')).toBe('DELETE')
    const health = await h.app.request('/health', { method: 'POST' })
    expect(health.status).toBe(405)
    expect(health.headers.get('allow')).toBe('GET, HEAD')
    // A path that does not exist is still a 404, and the key is checked before anything is said of a path.
    expect((await h.call('/v1/nothing', { method: 'PUT' })).status).toBe(404)
    expect((await h.app.request('/v1/connections', { method: 'PUT' })).status).toBe(401)
  })

  it('tells a signed-out browser where its first key is and how to make more', async () => {
    const page = await (await new DashboardBrowser(h).get('/sign-in')).text()
    // The harness's data dir is /srv/.junction (its working directory is /srv).
    expect(page).toContain('writes its first key to <code>/srv/.junction/initial-api-key</code>')
    expect(page).toContain('<code>POST /v1/api-keys</code>')
    expect(page).not.toContain('junction keys create')
  })

  it('writes every time one way, serves its icon, and links it from every page', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const keys = await (await browser.get('/keys')).text()
    expect(keys).toMatch(/<td data-label="Created">\d{4}-\d\d-\d\d \d\d:\d\d<\/td>/)
    expect(keys).not.toMatch(/\d\d:\d\dZ/)
    expect(keys).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg"/>')
    const icon = await browser.get('/favicon.svg')
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(await icon.text()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  })

  it('says once on each page that shows times that they are UTC, and writes none with a zone', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const note = '<p class="muted time-zone">Times are in UTC</p>'
    /** The page at `path` shows a time, bare, and says "UTC" once: in the note beside its title. */
    const saysUtcOnce = async (path: string) => {
      const html = await (await browser.get(path)).text()
      expect(html, `${path} shows a time`).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d/)
      expect(html.match(/UTC/g), `${path} says UTC once`).toHaveLength(1)
      expect(html, path).toContain(note)
      return html
    }
    // A page without a time says nothing of zones: here no integration has an alert yet.
    expect(await (await browser.get('/')).text()).not.toContain('UTC')

    // A connection with an expiry (an event too), and a call through the proxy (a log, a chart, a usage row).
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId: 'time-user',
        credentials: { accessToken: 't-time', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      }),
    })
    await h.call('/v1/proxy/acme/things', { headers: { 'junction-user-id': 'time-user' } })
    let logs = ''
    await expect
      .poll(async () => {
        logs = await saysUtcOnce('/logs?userId=time-user')
        return /href="\/logs\/[0-9a-f-]{36}"/.test(logs)
      })
      .toBe(true)
    expect(logs).toMatch(/<a href="\/logs\/[0-9a-f-]{36}">\d{4}-\d\d-\d\d \d\d:\d\d<\/a>/)
    await saysUtcOnce(/href="(\/logs\/[0-9a-f-]{36})"/.exec(logs)?.[1] ?? '')
    const events = await saysUtcOnce('/events?userId=time-user')
    await saysUtcOnce(/href="(\/events\/[^"?]+)"/.exec(events)?.[1] ?? '')
    const connections = await saysUtcOnce('/connections?userId=time-user')
    expect(connections).toMatch(/<td data-label="Expires">\d{4}-\d\d-\d\d \d\d:\d\d<\/td>/)
    await saysUtcOnce('/keys')
    const usage = await saysUtcOnce('/usage?interval=hour')
    expect(usage).toMatch(/<td data-label="Start">\d{4}-\d\d-\d\d \d\d:\d\d<\/td>/)
    expect(usage).toMatch(/<label>From<input type="datetime-local"/)
    await saysUtcOnce('/integrations/acme')

    // An alert that is not healthy shows since when, and the integrations page then says the zone once.
    await sql`insert into integration_alerts (integration, status, changes) values ('acme', 'degraded', 1)`.execute(
      h.database.db,
    )
    try {
      expect(await saysUtcOnce('/')).toMatch(/degraded since \d{4}-\d\d-\d\d \d\d:\d\d<\/strong>/)
    } finally {
      await sql`delete from integration_alerts where integration = 'acme'`.execute(h.database.db)
    }
  })
})

describe('the dashboard behind a path prefix, and back from another site', () => {
  let h: ConnectionHarness

  beforeAll(async () => {
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      publicUrl: 'http://localhost:3003/junction',
      sandbox: {},
      // An app-level integration: calls are made as the app, with no end user.
      integrations: { 'keyed-app': { provider: 'keyed', apiKey: 'k-app-level' } },
    })
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

describe('the integration page shows only what works', () => {
  let h: ConnectionHarness

  beforeAll(async () => {
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      sandbox: {},
      integrations: { 'keyed-app': { provider: 'keyed', apiKey: 'k-app-level' } },
    })
  })
  afterAll(async () => {
    await h.close()
  })

  it('names the webhook URL only for an integration with a webhook secret, and asks no user of an app-level one', async () => {
    const browser = new DashboardBrowser(h)
    await browser.signIn(h.key)
    const sandbox = await (await browser.get('/integrations/sandbox')).text()
    expect(sandbox).toContain('<dt>Webhook URL</dt><dd><code>http://localhost:3003/webhooks/sandbox</code></dd>')
    expect(sandbox).not.toContain('standard-webhooks')
    const acme = await (await browser.get('/integrations/acme')).text()
    expect(acme).not.toContain('Webhook')
    const appLevel = await (await browser.get('/integrations/keyed-app')).text()
    expect(appLevel).toContain('action="/integrations/keyed-app/try"')
    expect(appLevel).not.toContain('name="userId"')
  })
})

describe('where a body stops being JSON', () => {
  it.each([
    ['{"a":}', 1, 6, 'expected a value (an object, array, string, number, true, false or null)'],
    ['{"a":1,}', 1, 8, 'expected a property name in double quotes'],
    ['{"a":1', 1, 7, "expected ',' or '}', found the end"],
    ['[1 2]', 1, 4, "expected ',' or ']'"],
    ['{\n  "name": "x"\n  "size": 2\n}', 3, 3, "expected ',' or '}'"],
    ['"abc', 1, 5, 'a string that is not closed with ", found the end'],
    ['{"a":"\u0001"}', 1, 7, 'a line break or control character inside a string'],
    ['{"a":"\\x"}', 1, 7, 'an unknown escape in a string'],
    ['"\\u12G4"', 1, 2, '\\u needs four hex digits'],
    ['tru', 1, 1, 'expected a value (an object, array, string, number, true, false or null)'],
    ['1 2', 1, 3, 'more text after the JSON value'],
    ['01', 1, 2, 'more text after the JSON value'],
    ['-', 1, 1, 'a number that is not written as JSON'],
    ["{'a': 1}", 1, 2, 'expected a property name in double quotes'],
    ['{"a" 1}', 1, 6, "expected ':' after the property name"],
    ['', 1, 1, 'expected a value (an object, array, string, number, true, false or null), found the end'],
  ])('%j: line %i, column %i', (text, line, column, reason) => {
    expect(findJsonProblem(text)).toEqual({ line, column, reason })
    expect(() => JSON.parse(text)).toThrow()
  })

  it('finds nothing wrong in JSON, however deep', () => {
    for (const text of [
      '{}',
      '[]',
      ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {"c": {}}} ',
      '"x"',
      '0',
    ]) {
      expect(findJsonProblem(text), text).toBeUndefined()
    }
    expect(findJsonProblem(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBeUndefined()
    expect(findJsonProblem(`${'['.repeat(100_000)}x`)).toMatchObject({ line: 1, column: 100_001 })
    expect(describeJsonProblem({ line: 2, column: 4, reason: 'expected a value' })).toBe(
      'line 2, column 4: expected a value',
    )
  })
})
