/**
 * The proxy with templated base URLs: a connection's metadata fills only the part of the URL its placeholder stands
 * for (an origin at the start, one segment elsewhere), so it may pick an allowed host but never move the path prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

describe('templated API base URLs', () => {
  let h: ConnectionHarness
  let upstream: FakeUpstream
  let users = 0

  beforeAll(async () => {
    upstream = await startUpstream()
    const [pglite] = backends()
    const auth = { type: 'oauth2', authorizeUrl: 'http://127.0.0.1/authorize', tokenUrl: 'http://127.0.0.1/token' }
    h = await openConnectionHarness(pglite!, {
      providers: {
        instance: { auth, api: { baseUrl: '{instance_url}/services/v1', allowedHosts: ['127.0.0.1'] } },
        account: { auth, api: { baseUrl: `${upstream.url}/accounts/{account}/api`, allowedHosts: ['127.0.0.1'] } },
      },
      integrations: {
        instance: { provider: 'instance', clientId: 'c', clientSecret: 's' },
        account: { provider: 'account', clientId: 'c', clientSecret: 's' },
      },
    })
  })
  afterAll(async () => {
    try {
      await h?.close()
    } finally {
      await upstream?.close()
    }
  })

  /** A call through a new connection of `integration` whose metadata is `metadata`. */
  async function callWith(integration: string, metadata: Record<string, string>) {
    const userId = `u_${++users}`
    const created = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration, userId, credentials: { accessToken: 'base-url-token', metadata } }),
    })
    expect(created.status).toBe(201)
    return h.app.request(`/v1/proxy/${integration}/items?page=2`, {
      headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': userId },
    })
  }

  it('sends to the origin that metadata names, under the fixed prefix, with or without a final slash', async () => {
    for (const instanceUrl of [upstream.url, `${upstream.url}/`]) {
      const response = await callWith('instance', { instance_url: instanceUrl })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ path: '/services/v1/items', query: '?page=2' })
    }
    const response = await callWith('account', { account: 'acct_1.eu-2' })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ path: '/accounts/acct_1.eu-2/api/items' })
  })

  it.each([
    ['a path that climbs back', '/evil/..'],
    ['another prefix', '/other-prefix'],
    ['a path under the prefix', '/services/v1/deeper'],
    ['an encoded dot segment', '/%2e%2e'],
    ['a query', '?x=1'],
    ['a fragment', '#x'],
    ['a backslash', '\\evil'],
  ])('refuses an instance_url with %s, and sends nothing', async (_, suffix) => {
    const before = upstream.arrivals.length
    const response = await callWith('instance', { instance_url: `${upstream.url}${suffix}` })
    expect(response.status).toBe(403)
    expect(response.headers.get('junction-error')).toBe('egress_blocked')
    expect(upstream.arrivals.length).toBe(before)
  })

  it('refuses an instance_url with user info, or on a host outside allowedHosts, and sends nothing', async () => {
    const before = upstream.arrivals.length
    const port = new URL(upstream.url).port
    for (const instanceUrl of [`http://user:pw@127.0.0.1:${port}`, `http://localhost:${port}`, 'ftp://127.0.0.1']) {
      const response = await callWith('instance', { instance_url: instanceUrl })
      expect(response.status, instanceUrl).toBe(403)
      expect(response.headers.get('junction-error')).toBe('egress_blocked')
    }
    expect(upstream.arrivals.length).toBe(before)
  })

  it.each(['..', '.', 'a/b', 'a%2Fb', 'a?b', 'a#b', 'a;b', 'a@b', 'a b'])(
    'refuses %j for a placeholder inside the path, and sends nothing',
    async (account) => {
      const before = upstream.arrivals.length
      const response = await callWith('account', { account })
      expect(response.status).toBe(403)
      expect(await response.json()).toMatchObject({
        error: { code: 'egress_blocked', message: "the connection's account is not a single path segment" },
      })
      expect(upstream.arrivals.length).toBe(before)
    },
  )
})
