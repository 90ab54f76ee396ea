/** The connect flow when the provider's token endpoint fails, and when the link is late: never a connection. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const publicUrl = 'http://junction.test'

describe('connect flow failures', () => {
  let h: ConnectionHarness
  let closedPort: number

  beforeAll(async () => {
    closedPort = await freePort()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      publicUrl,
      allowedReturnUrls: ['http://app.test/'],
      // Long enough for every flow here on a busy machine; the late test waits past it.
      sessionTtlMs: 2_000,
      providers: {
        refused: {
          auth: {
            type: 'oauth2',
            authorizeUrl: 'http://127.0.0.1/authorize',
            tokenUrl: `http://127.0.0.1:${closedPort}/token`,
          },
          api: { baseUrl: 'http://127.0.0.1/api' },
        },
      },
      integrations: { refused: { provider: 'refused', clientId: 'c', clientSecret: 's' } },
    })
  })
  afterAll(() => h.close())

  async function callbackWithCode(integration: string, userId: string) {
    const response = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration, userId, returnUrl: 'http://app.test/back' }),
    })
    const { url } = (await response.json()) as { url: string }
    const browser = new Browserless(publicUrl, h.app)
    const state = new URL((await browser.request(url)).location!).searchParams.get('state')!
    const done = await browser.request(`${publicUrl}/oauth/callback?code=c0de&state=${state}`)
    return new URL(done.location!).searchParams
  }

  it.each([
    ['the token endpoint answers 500', { kind: 'status', status: 500 } as const, 'server_error'],
    [
      'the token endpoint refuses the code',
      { kind: 'status', status: 400, body: { error: 'invalid_grant' } } as const,
      'invalid_grant',
    ],
    ['the token endpoint hangs', { kind: 'slow', ms: 3_000 } as const, 'timeout'],
  ])('reports an error when %s, and creates nothing', async (_, behaviour, code) => {
    h.provider.behave(behaviour)
    try {
      const outcome = await callbackWithCode('acme', `u_${code}`)
      expect(Object.fromEntries(outcome)).toEqual({ status: 'error', error: code })
      expect((await h.call(`/v1/connections/acme/u_${code}`)).status).toBe(404)
    } finally {
      h.provider.behave({ kind: 'ok' })
    }
  })

  it('reports an error when the token endpoint refuses connections, and creates nothing', async () => {
    const outcome = await callbackWithCode('refused', 'u_refused')
    expect(Object.fromEntries(outcome)).toEqual({ status: 'error', error: 'network_error' })
    expect((await h.call('/v1/connections/refused/u_refused')).status).toBe(404)
  })

  it('refuses a link, and a callback, that came too late', async () => {
    const response = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'acme', userId: 'u_late' }),
    })
    const { url } = (await response.json()) as { url: string }
    const browser = new Browserless(publicUrl, h.app)
    const state = new URL((await browser.request(url)).location!).searchParams.get('state')!
    await new Promise((resolve) => setTimeout(resolve, 2_300))
    h.provider.behave({ kind: 'ok' })
    const calls = h.provider.calls.length
    const late = await browser.request(`${publicUrl}/oauth/callback?code=c0de&state=${state}`)
    expect(late.status).toBe(400)
    expect(late.body).toContain('invalid_state')
    expect(h.provider.calls.length).toBe(calls)
    expect((await browser.request(url)).status).toBe(400)
    expect((await h.call('/v1/connections/acme/u_late')).status).toBe(404)
  })

  it('refuses connect sessions for unknown integrations and ids outside the grammar', async () => {
    const post = (body: object) => h.call('/v1/connect-sessions', { method: 'POST', body: JSON.stringify(body) })
    expect((await post({ integration: 'nope', userId: 'u_1' })).status).toBe(404)
    expect((await post({ integration: 'acme', userId: 'bad user' })).status).toBe(400)
    expect((await post({ integration: 'Acme', userId: 'u_1' })).status).toBe(400)
  })
})

describe('the browser binding cookie', () => {
  it.each([
    ['http://junction.test', /^junction-connect-[0-9a-f]{8}=[^;]+; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/],
    [
      'https://hub.example',
      /^__Host-junction-connect-[0-9a-f]{8}=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    ],
  ])(
    'under %s is host-only, HttpOnly and SameSite=Lax (with __Host- and Secure over https)',
    async (publicUrl, shape) => {
      const [pglite] = backends()
      const h = await openConnectionHarness(pglite!, { publicUrl })
      try {
        const response = await h.call('/v1/connect-sessions', {
          method: 'POST',
          body: JSON.stringify({ integration: 'acme', userId: 'u_cookie' }),
        })
        const { url } = (await response.json()) as { url: string }
        const opened = await h.app.request(new URL(url).pathname)
        expect(opened.headers.get('set-cookie')).toMatch(shape)
        expect(opened.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'")
      } finally {
        await h.close()
      }
    },
  )
})
