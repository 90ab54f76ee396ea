/**
 * The sandbox provider, mounted in a hub on a real socket: connect through its consent page, call its API with the
 * connection's token, rotate and reuse refresh tokens, hit its rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxConfig } from '../src/config/sandbox-config.js'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

/** A hub serving the sandbox on a real socket: its token calls to the sandbox go over the network. */
async function servedHub(sandbox: SandboxConfig) {
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  const [pglite] = backends()
  const h = await openConnectionHarness(pglite!, { publicUrl, sandbox })
  const server = await listen(h.app, { host: '127.0.0.1', port })
  return { h, server, publicUrl }
}

describe('the sandbox provider', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let publicUrl: string

  beforeAll(async () => {
    ;({ h, server, publicUrl } = await servedHub({ rateLimit: { requestsPerSecond: 5, burst: 3 } }))
  })
  afterAll(async () => {
    await server.close(100)
    await h.close()
  })

  async function connect(userId: string, decision: 'approve' | 'deny') {
    const link = (await (
      await h.call('/v1/connect-sessions', { method: 'POST', body: JSON.stringify({ integration: 'sandbox', userId }) })
    ).json()) as { url: string }
    const browser = new Browserless(publicUrl, h.app)
    const opened = await browser.request(link.url)
    const consentPage = await browser.request(opened.location!)
    expect(consentPage.status).toBe(200)
    expect(consentPage.body).toContain('Approve')
    const form = /<form method="post" action="decision">(.*?)<\/form>/s.exec(consentPage.body)?.[1] ?? ''
    const fields = Object.fromEntries(
      [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((match) => [
        match[1],
        match[2]?.replace(/&#38;/g, '&'),
      ]),
    )
    const decided = await browser.request(`${publicUrl}/sandbox/oauth/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, decision }).toString(),
    })
    return browser.request(decided.location!)
  }

  it('connects through its consent page, and its API answers with the connection token', async () => {
    const result = await connect('u_sandbox', 'approve')
    expect(result.status).toBe(200)
    expect(result.body).toContain('connected')
    const connection = (await (await h.call('/v1/connections/sandbox/u_sandbox')).json()) as Record<string, unknown>
    expect(connection).toMatchObject({
      status: 'active',
      providerAccountId: expect.stringMatching(/^sandbox-/),
      scopes: ['items:read', 'items:write'],
    })
    const { accessToken } = (await (await h.call('/v1/connections/sandbox/u_sandbox/token')).json()) as {
      accessToken: string
    }
    const me = await fetch(`${publicUrl}/sandbox/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(me.status).toBe(200)
    const created = await fetch(`${publicUrl}/sandbox/api/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first' }),
    })
    expect(created.status).toBe(201)
    const listed = (await (
      await fetch(`${publicUrl}/sandbox/api/items`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as {
      data: Array<{ name: string }>
    }
    expect(listed.data.map((item) => item.name)).toEqual(['first'])
    expect(
      (await fetch(`${publicUrl}/sandbox/api/me`, { headers: { authorization: 'Bearer sba_forged.x' } })).status,
    ).toBe(401)
    const proxied = await h.call('/v1/proxy/sandbox/items', { headers: { 'junction-user-id': 'u_sandbox' } })
    expect(proxied.status).toBe(200)
    expect(((await proxied.json()) as { data: Array<{ name: string }> }).data.map((item) => item.name)).toEqual([
      'first',
    ])
  })

  it('answers a denied consent with access_denied, and creates nothing', async () => {
    const result = await connect('u_denied', 'deny')
    expect(result.status).toBe(400)
    expect(result.body).toContain('access_denied')
    expect((await h.call('/v1/connections/sandbox/u_denied')).status).toBe(404)
  })

  it('rotates refresh tokens, and ends the grant when an old one is used again', async () => {
    await connect('u_rotate', 'approve')
    const row = await h.database.db
      .selectFrom('connections')
      .selectAll()
      .where('user_id', '=', 'u_rotate')
      .executeTakeFirstOrThrow()
    const { openCredentials } = await import('../src/connections/credentials.js')
    const before = openCredentials(h.vault, row.id, row.credentials!)
    expect((await h.call('/v1/connections/sandbox/u_rotate/refresh', { method: 'POST' })).status).toBe(200)
    // Replaying the first refresh token, as a thief would:
    const client = h.services.integrations.get('sandbox')!
    const replay = await fetch(`${publicUrl}/sandbox/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: before.kind === 'oauth2' ? (before.refreshToken ?? '') : '',
      }).toString(),
    })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toEqual({ error: 'invalid_grant' })
    // The whole grant is gone: the connection's own refresh now fails, and it must be made again.
    expect((await h.call('/v1/connections/sandbox/u_rotate/refresh', { method: 'POST' })).status).toBe(409)
  })

  it('limits each token, answering 429 with Retry-After and X-RateLimit headers', async () => {
    await connect('u_limited', 'approve')
    const { accessToken } = (await (await h.call('/v1/connections/sandbox/u_limited/token')).json()) as {
      accessToken: string
    }
    // 30 at once against 5/s, burst 3: the burst, plus what refilled while they arrived (a busy machine spreads them).
    const started = performance.now()
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${publicUrl}/sandbox/api/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
      ),
    )
    const seconds = (performance.now() - started) / 1000
    const served = answers.filter((answer) => answer.status === 200).length
    const refused = answers.filter((answer) => answer.status === 429)
    expect(served).toBeGreaterThanOrEqual(3)
    expect(served).toBeLessThanOrEqual(3 + Math.ceil(seconds * 5))
    expect(refused.length).toBe(30 - served)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]?.headers.get('retry-after')).toBe('1')
    expect(refused[0]?.headers.get('x-ratelimit-remaining')).toBe('0')
  })
})

describe('the sandbox authorization server refuses', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let publicUrl: string

  beforeAll(async () => {
    ;({ h, server, publicUrl } = await servedHub({}))
  })
  afterAll(async () => {
    await server.close(100)
    await h.close()
  })

  const client = () => h.services.integrations.get('sandbox')!
  const authorizeQuery = (overrides: Record<string, string> = {}) =>
    new URLSearchParams({
      client_id: client().clientId!,
      redirect_uri: `${publicUrl}/oauth/callback`,
      response_type: 'code',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 's',
      ...overrides,
    })

  it('a redirect URI other than the hub callback, without redirecting there', async () => {
    const response = await fetch(
      `${publicUrl}/sandbox/oauth/authorize?${authorizeQuery({ redirect_uri: 'https://evil.example/cb' })}`,
      { redirect: 'manual' },
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })

  it('a decision that did not come from its consent page (CSRF)', async () => {
    const forged = await fetch(`${publicUrl}/sandbox/oauth/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...Object.fromEntries(authorizeQuery()), decision: 'approve' }).toString(),
    })
    expect(forged.status).toBe(400)
    expect(forged.headers.get('location')).toBeNull()
  })

  it('a code with the wrong PKCE verifier, and a code used twice', async () => {
    const consent = await (await fetch(`${publicUrl}/sandbox/oauth/authorize?${authorizeQuery()}`)).text()
    const fields = Object.fromEntries(
      [...consent.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((match) => [
        match[1],
        match[2]?.replace(/&#38;/g, '&'),
      ]),
    )
    const decided = await fetch(`${publicUrl}/sandbox/oauth/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, decision: 'approve' }).toString(),
    })
    const code = new URL(decided.headers.get('location')!).searchParams.get('code')!
    const exchange = (verifier: string) =>
      fetch(`${publicUrl}/sandbox/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client().clientId}:${client().clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: `${publicUrl}/oauth/callback`,
          code_verifier: verifier,
        }).toString(),
      })
    expect((await exchange('wrong-verifier-wrong-verifier-wrong-verifier-x')).status).toBe(400)
    // The failed attempt used the code up, as a code must be single use.
    expect((await exchange('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).status).toBe(400)
  })
})
