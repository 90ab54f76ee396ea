/**
 * Every built-in OAuth provider through the real connect flow, with its token endpoint replaced by a local server
 * answering in that provider's documented response shape: the exact token request sent, and the connection made.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const publicUrl = 'http://junction.test'
const redirectUri = `${publicUrl}/oauth/callback`

function idToken(claims: Record<string, string>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256' })}.${part(claims)}.sig`
}

/** Each provider's documented token response, as its server sends it (content type and body). */
const responses: Record<string, { contentType: string; body: string }> = {
  google: {
    contentType: 'application/json',
    body: JSON.stringify({
      access_token: 'ya29.g',
      expires_in: 3599,
      refresh_token: '1//g',
      scope: 'openid email',
      token_type: 'Bearer',
      id_token: idToken({ sub: '10769150350006150715113082367' }),
    }),
  },
  slack: {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({
      ok: true,
      access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      token_type: 'bot',
      scope: 'commands,incoming-webhook',
      bot_user_id: 'U0KRQLJ9H',
      app_id: 'A0KRD7HC3',
      team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
      enterprise: null,
      authed_user: { id: 'U1234', scope: 'chat:write', access_token: 'xoxp-1234', token_type: 'user' },
    }),
  },
  hubspot: {
    contentType: 'application/json;charset=utf-8',
    body: JSON.stringify({
      token_type: 'bearer',
      refresh_token: '6f18f21e-a743-4509-b7fd-1a5e632fffa1',
      access_token: 'CN2zlYnmLBICAQIYgZXFLyCWp1Yo',
      expires_in: 1800,
    }),
  },
  github: {
    contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    body: 'access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer',
  },
  microsoft: {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({
      access_token: 'eyJ0eXAiOi',
      token_type: 'Bearer',
      expires_in: 3599,
      scope: 'https://graph.microsoft.com/user.read offline_access',
      refresh_token: 'AwABAAAAvPM',
      id_token: idToken({ oid: '00000000-0000-0000-66f3-3332eca7ea81', tid: '9122040d-6c67-4c5b-b112-36a304b66dad' }),
    }),
  },
  salesforce: {
    contentType: 'application/json;charset=UTF-8',
    body: JSON.stringify({
      access_token: '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
      refresh_token: '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJvvw',
      signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
      scope: 'refresh_token api',
      instance_url: 'https://yourInstance.my.salesforce.com',
      id: 'https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS',
      token_type: 'Bearer',
      issued_at: '1278448384422',
    }),
  },
  'stripe-connect': {
    contentType: 'application/json',
    body: JSON.stringify({
      access_token: 'sk_test_abc',
      livemode: false,
      refresh_token: 'rt_abc',
      token_type: 'bearer',
      stripe_publishable_key: 'pk_test_abc',
      stripe_user_id: 'acct_1032D82eZvKYlo2C',
      scope: 'read_write',
    }),
  },
}

const expectations: Record<
  string,
  { accessToken: string; providerAccountId: string | null; metadata?: Record<string, string>; pkce: boolean }
> = {
  google: { accessToken: 'ya29.g', providerAccountId: '10769150350006150715113082367', pkce: true },
  slack: {
    accessToken: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
    providerAccountId: 'T9TK3CUKW',
    metadata: { teamName: 'Slack Softball Team', botUserId: 'U0KRQLJ9H' },
    pkce: false,
  },
  hubspot: { accessToken: 'CN2zlYnmLBICAQIYgZXFLyCWp1Yo', providerAccountId: null, pkce: false },
  github: { accessToken: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', providerAccountId: null, pkce: true },
  microsoft: {
    accessToken: 'eyJ0eXAiOi',
    providerAccountId: '00000000-0000-0000-66f3-3332eca7ea81',
    metadata: { tenantId: '9122040d-6c67-4c5b-b112-36a304b66dad' },
    pkce: true,
  },
  salesforce: {
    accessToken: '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
    providerAccountId: '00Dxx0000001gPLEAY/005xx000001SwiUAAS',
    metadata: { instance_url: 'https://yourInstance.my.salesforce.com' },
    pkce: true,
  },
  'stripe-connect': { accessToken: 'sk_test_abc', providerAccountId: 'acct_1032D82eZvKYlo2C', pkce: false },
}

describe.each(backends().slice(0, 1))('built-in providers on $name', (backend) => {
  let h: ConnectionHarness
  let tokenServerUrl: string
  const received: Array<{ provider: string; method: string; headers: IncomingMessage['headers']; body: string }> = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const provider = (request.url ?? '').slice(1)
      received.push({ provider, method: request.method ?? '', headers: request.headers, body })
      const answer = responses[provider]
      response.writeHead(200, { 'content-type': answer?.contentType ?? 'text/plain' }).end(answer?.body ?? '')
    })
  })

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    tokenServerUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    h = await openConnectionHarness(backend, {
      publicUrl,
      integrations: Object.fromEntries(
        Object.keys(responses).map((provider) => [
          provider,
          {
            provider,
            clientId: 'the-client',
            clientSecret: 'the-secret',
            scopes: ['one', 'two'],
            auth: { tokenUrl: `${tokenServerUrl}/${provider}` },
          },
        ]),
      ),
    })
  })
  afterAll(async () => {
    await h.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it.each(Object.keys(responses))(
    '%s: sends the exact code exchange and stores the right connection',
    async (provider) => {
      const expected = expectations[provider]!
      const link = (await (
        await h.call('/v1/connect-sessions', {
          method: 'POST',
          body: JSON.stringify({ integration: provider, userId: 'u_1' }),
        })
      ).json()) as {
        url: string
      }
      const browser = new Browserless(publicUrl, h.app)
      const authorize = new URL((await browser.request(link.url)).location!)
      const state = authorize.searchParams.get('state')!
      expect(authorize.searchParams.has('code_challenge')).toBe(expected.pkce)
      const done = await browser.request(`${redirectUri}?code=the-code&state=${state}`)
      expect(done.status, done.body).toBe(200)

      const request = received.find((entry) => entry.provider === provider)!
      expect(request.method).toBe('POST')
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded')
      expect(request.headers.accept).toBe('application/json')
      const form = Object.fromEntries(new URLSearchParams(request.body))
      expect(form).toEqual({
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: redirectUri,
        ...(expected.pkce ? { code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } : {}),
        client_id: 'the-client',
        client_secret: 'the-secret',
      })

      const connection = (await (await h.call(`/v1/connections/${provider}/u_1`)).json()) as Record<string, unknown>
      expect(connection).toMatchObject({
        provider,
        status: 'active',
        providerAccountId: expected.providerAccountId,
        metadata: expected.metadata ?? {},
      })
      const token = (await (await h.call(`/v1/connections/${provider}/u_1/token`)).json()) as { accessToken: string }
      expect(token.accessToken).toBe(expected.accessToken)
    },
  )
})
