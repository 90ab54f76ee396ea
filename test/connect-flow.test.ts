/**
 * The whole connect flow against a real OAuth server (oidc-provider 8.8.1: PKCE required, rotating refresh tokens),
 * driven without a browser: connect link, consent, callback, sealed connection, refresh. Then the ways it must fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type OidcServer, startOidcServer } from './helpers/oidc-server.js'

const publicUrl = 'http://junction.test'
const appReturn = 'http://app.test/integrations/done'

describe.each(backends())('connect flow on $name', (backend) => {
  let oidc: OidcServer
  let h: ConnectionHarness

  beforeAll(async () => {
    oidc = await startOidcServer(`${publicUrl}/oauth/callback`)
    h = await openConnectionHarness(backend, {
      publicUrl,
      allowedReturnUrls: ['http://app.test/integrations'],
      providers: {
        oidc: {
          auth: {
            type: 'oauth2',
            issuer: oidc.issuer,
            authorizeUrl: `${oidc.issuer}/auth`,
            tokenUrl: `${oidc.issuer}/token`,
            revokeUrl: `${oidc.issuer}/token/revocation`,
            clientAuth: 'client_secret_basic',
          },
          api: { baseUrl: `${oidc.issuer}/me` },
        },
      },
      integrations: {
        oidc: { provider: 'oidc', clientId: oidc.clientId, clientSecret: oidc.clientSecret, scopes: ['openid'] },
      },
    })
  })
  afterAll(async () => {
    await h.close()
    await oidc.close()
  })

  async function connectLink(userId: string, returnUrl?: string): Promise<string> {
    const response = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'oidc', userId, ...(returnUrl === undefined ? {} : { returnUrl }) }),
    })
    expect(response.status).toBe(201)
    return ((await response.json()) as { url: string }).url
  }

  /** Opens the link, signs in and consents at the provider; stops at the redirect back to Junction. */
  async function consent(browser: Browserless, link: string) {
    const isCallback = (url: URL) => url.origin === publicUrl && url.pathname === '/oauth/callback'
    const opened = await browser.request(link)
    expect(opened.status).toBe(302)
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer')
    expect(opened.headers.get('cache-control')).toBe('no-store')
    const authorize = new URL(opened.location!)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThanOrEqual(43)
    let step = await browser.follow(authorize.toString(), isCallback)
    // The provider's login page, then its consent page (either is skipped when its session already has them).
    for (let page = 0; page < 3 && !(step.location !== undefined && isCallback(new URL(step.location))); page++) {
      const fields = step.body.includes('name="login"') ? { login: 'user-42', password: 'anything' } : {}
      step = await browser.submitForm(step, fields, isCallback)
    }
    return new URL(step.location!)
  }

  it('connects an account end to end, stores it sealed, and refreshes against the rotating server', async () => {
    const browser = new Browserless(publicUrl, h.app)
    const link = await connectLink('u_flow', appReturn)
    const callback = await consent(browser, link)
    expect(callback.searchParams.get('iss')).toBe(oidc.issuer)
    const done = await browser.request(callback.toString())
    expect(done.status).toBe(302)
    const back = new URL(done.location!)
    expect(`${back.origin}${back.pathname}`).toBe(appReturn)
    expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'success', integration: 'oidc' })

    const connection = (await (await h.call('/v1/connections/oidc/u_flow')).json()) as Record<string, unknown>
    expect(connection).toMatchObject({ status: 'active', providerAccountId: 'user-42', provider: 'oidc' })
    const first = (await (await h.call('/v1/connections/oidc/u_flow/token')).json()) as { accessToken: string }
    expect(first.accessToken.length).toBeGreaterThan(20)
    const row = await h.database.db
      .selectFrom('connections')
      .select('credentials')
      .where('user_id', '=', 'u_flow')
      .executeTakeFirstOrThrow()
    expect(row.credentials).not.toContain(first.accessToken)

    for (let round = 0; round < 2; round++) {
      expect((await h.call('/v1/connections/oidc/u_flow/refresh', { method: 'POST' })).status).toBe(200)
    }
    const refreshed = (await (await h.call('/v1/connections/oidc/u_flow/token')).json()) as { accessToken: string }
    expect(refreshed.accessToken).not.toBe(first.accessToken)
    // The link is single use.
    expect((await browser.request(link)).status).toBe(400)
  })

  it('refuses a callback replayed, from another browser, with a tampered state, or with a wrong iss', async () => {
    const browser = new Browserless(publicUrl, h.app)
    const callback = await consent(browser, await connectLink('u_attack'))
    const stranger = new Browserless(publicUrl, h.app)
    const fromElsewhere = await stranger.request(callback.toString())
    expect(fromElsewhere.status).toBe(400)
    expect(fromElsewhere.body).toContain('invalid_state')
    // The stranger's attempt used the state up: the real browser cannot finish either (fail closed).
    expect((await browser.request(callback.toString())).status).toBe(400)

    const second = await consent(browser, await connectLink('u_attack'))
    const tampered = new URL(second)
    tampered.searchParams.set('state', `${second.searchParams.get('state')}x`)
    expect((await browser.request(tampered.toString())).status).toBe(400)
    const wrongIssuer = new URL(second)
    wrongIssuer.searchParams.set('iss', 'http://evil.test')
    expect((await browser.request(wrongIssuer.toString())).status).toBe(400)
    expect((await h.call('/v1/connections/oidc/u_attack')).status).toBe(404)
  })

  it('refuses a callback that repeats state, iss or code (RFC 6749 §3.1), and the flow can still finish', async () => {
    const browser = new Browserless(publicUrl, h.app)
    const callback = await consent(browser, await connectLink('u_twice'))
    for (const name of ['state', 'iss', 'code']) {
      const repeated = new URL(callback)
      const value = name === 'iss' ? oidc.issuer : (callback.searchParams.get(name) ?? '')
      // The genuine value first, as a first-one-wins reader would take it.
      repeated.search = `${callback.search}&${name}=${encodeURIComponent(name === 'iss' ? 'http://evil.test' : value)}`
      const refused = await browser.request(repeated.toString())
      expect(refused.status).toBe(400)
      expect(refused.body).toContain('invalid_request')
    }
    expect((await h.call('/v1/connections/oidc/u_twice')).status).toBe(404)
    // Nothing was consumed by the refusals: the genuine callback still completes.
    expect((await browser.request(callback.toString())).status).toBe(200)
    expect((await h.call('/v1/connections/oidc/u_twice')).status).toBe(200)
  })

  it('passes an access_denied with markup back as a code, escaped, and creates nothing', async () => {
    const browser = new Browserless(publicUrl, h.app)
    const link = await connectLink('u_denied', appReturn)
    const opened = await browser.request(link)
    const state = new URL(opened.location!).searchParams.get('state')!
    const denied = await browser.request(
      `${publicUrl}/oauth/callback?state=${state}&iss=${encodeURIComponent(oidc.issuer)}&error=access_denied`,
    )
    expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied')
    const link2 = await connectLink('u_denied')
    const opened2 = await browser.request(link2)
    const state2 = new URL(opened2.location!).searchParams.get('state')!
    const markup = await browser.request(
      `${publicUrl}/oauth/callback?state=${state2}&iss=${encodeURIComponent(oidc.issuer)}&error=${encodeURIComponent('<script>alert(1)</script>')}`,
    )
    expect(markup.status).toBe(400)
    expect(markup.body).not.toContain('<script>')
    expect((await h.call('/v1/connections/oidc/u_denied')).status).toBe(404)
  })

  it.each([
    '//evil.tld',
    'http://app.test.evil.tld/integrations',
    'http://app.test@evil.tld/integrations',
    'http://app.test/integrations-other',
    'javascript:alert(1)',
    'https://app.test/integrations',
  ])('refuses the return URL %s', async (returnUrl) => {
    const response = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'oidc', userId: 'u_1', returnUrl }),
    })
    expect(response.status).toBe(400)
  })

  it('restarts the flow when the link is opened again: only the latest browser can finish', async () => {
    const link = await connectLink('u_restart')
    const first = new Browserless(publicUrl, h.app)
    const firstCallback = await consent(first, link)
    const second = new Browserless(publicUrl, h.app)
    await second.request(link)
    expect((await first.request(firstCallback.toString())).status).toBe(400)
  })
})
