/**
 * One origin for browsers in development: a page asked for on another loopback name of the hub's port is redirected
 * to the same path and query on publicUrl's origin before anything else (sign-in, the connect flow) happens; the API,
 * webhooks, the OAuth callback, health, metrics and the sandbox are served where they are asked for. Production hubs,
 * and hubs whose publicUrl is not on a loopback name, redirect nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, type HarnessConfig, openConnectionHarness } from './helpers/connection-harness.js'

const [pglite] = backends()

describe('one origin for browsers', () => {
  let h: ConnectionHarness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })
  const open = async (config: HarnessConfig) => {
    h = await openConnectionHarness(pglite!, { sandbox: {}, ...config })
    return h
  }
  const get = (url: string, init: RequestInit = {}) => h!.app.request(url, { redirect: 'manual', ...init })

  it('sends pages on 127.0.0.1 and [::1] to the same path and query on publicUrl (localhost)', async () => {
    await open({ publicUrl: 'http://localhost:3003' })
    for (const [asked, expected] of [
      ['http://127.0.0.1:3003/', 'http://localhost:3003/'],
      ['http://127.0.0.1:3003/sign-in?refused=1', 'http://localhost:3003/sign-in?refused=1'],
      [
        'http://[::1]:3003/connections?notice=connected&integration=sandbox',
        'http://localhost:3003/connections?notice=connected&integration=sandbox',
      ],
      ['http://127.0.0.1:3003/connect/some-token', 'http://localhost:3003/connect/some-token'],
      // A path that looks like another host stays a path on publicUrl's origin.
      ['http://127.0.0.1:3003//evil.example/x', 'http://localhost:3003//evil.example/x'],
    ]) {
      const answer = await get(asked!)
      expect(answer.status, asked).toBe(302)
      expect(answer.headers.get('location'), asked).toBe(expected)
    }
    expect((await get('http://127.0.0.1:3003/', { method: 'HEAD' })).status).toBe(302)
    // On publicUrl's own name the page is served (the dashboard's sign-in redirect, a path without an origin).
    const home = await get('http://localhost:3003/')
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/sign-in')
  })

  it('redirects no program, no form post, no callback, no sandbox call and no other port', async () => {
    await open({ publicUrl: 'http://localhost:3003' })
    const key = { authorization: `Bearer ${h!.key}` }
    const served: Array<[string, RequestInit, number]> = [
      ['http://127.0.0.1:3003/health', {}, 200],
      ['http://127.0.0.1:3003/openapi.json', {}, 200],
      ['http://127.0.0.1:3003/v1/connections', { headers: key }, 200],
      ['http://127.0.0.1:3003/metrics', { headers: key }, 200],
      ['http://127.0.0.1:3003/assets/pages.css', {}, 200],
      ['http://127.0.0.1:3003/oauth/callback?state=nope&code=c', {}, 400],
      ['http://127.0.0.1:3003/webhooks/sandbox', { method: 'POST', body: '{}' }, 401],
      ['http://127.0.0.1:3003/sandbox/oauth/authorize', {}, 400],
      // A form posted to another name is not turned into a GET elsewhere: the origin check refuses it there.
      ['http://127.0.0.1:3003/sign-in', { method: 'POST', headers: { origin: 'http://evil.example' } }, 403],
    ]
    for (const [url, init, status] of served) {
      const answer = await get(url, init)
      expect(answer.status, url).toBe(status)
      expect(answer.headers.get('location') ?? '', url).not.toContain('localhost')
    }
    // Another port is another server (a proxy in front, say): not a twin of publicUrl.
    expect((await get('http://127.0.0.1:4000/')).headers.get('location')).toBe('/sign-in')
    // A name that is not loopback is not rewritten either.
    expect((await get('http://hub.internal:3003/')).headers.get('location')).toBe('/sign-in')
  })

  it('sends localhost to 127.0.0.1 when publicUrl says 127.0.0.1', async () => {
    await open({ publicUrl: 'http://127.0.0.1:3003' })
    const answer = await get('http://localhost:3003/sign-in')
    expect(answer.status).toBe(302)
    expect(answer.headers.get('location')).toBe('http://127.0.0.1:3003/sign-in')
  })

  it('judges the name by the host header, the one the browser asked for, over the URL a framework built', async () => {
    // Next.js's dev server hands a route handler http://localhost:<port>/… for a page asked on 127.0.0.1.
    await open({ publicUrl: 'http://127.0.0.1:3003' })
    const onPublicName = await get('http://localhost:3003/sign-in', { headers: { host: '127.0.0.1:3003' } })
    expect(onPublicName.status).toBe(200)
    const elsewhere = await get('http://127.0.0.1:3003/sign-in?x=1', { headers: { host: 'localhost:3003' } })
    expect(elsewhere.status).toBe(302)
    expect(elsewhere.headers.get('location')).toBe('http://127.0.0.1:3003/sign-in?x=1')
    // Another port in the host header is another server; a host header that is no host is served where it is.
    expect((await get('http://localhost:3003/sign-in', { headers: { host: 'localhost:4000' } })).status).toBe(200)
    expect((await get('http://localhost:3003/sign-in', { headers: { host: 'a b' } })).status).toBe(200)
  })

  it('redirects nothing in production, nor when publicUrl is not on a loopback name', async () => {
    await open({ publicUrl: 'http://localhost:3003', env: { NODE_ENV: 'production' } })
    expect((await get('http://127.0.0.1:3003/')).headers.get('location')).toBe('/sign-in')
    await h!.close()
    h = undefined
    await open({ publicUrl: 'https://hub.example.com' })
    expect((await get('http://127.0.0.1:443/')).headers.get('location')).toBe('/sign-in')
  })
})
