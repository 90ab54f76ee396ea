/** Token responses in each provider's documented shape, read into one TokenSet. */
import { describe, expect, it } from 'vitest'
import { resolveIntegration } from '../config/resolve-integration.js'
import { createProviderRegistry } from '../providers/registry.js'
import { readTokenResponse } from './token-response.js'

const registry = createProviderRegistry({ publicUrl: 'http://localhost:3003', custom: {} })
const now = new Date('2026-11-27T20:00:00.000Z')

function read(provider: string, body: unknown, status = 200, contentType = 'application/json') {
  const integration = resolveIntegration(
    {
      id: provider,
      provider,
      authType: 'oauth2',
      clientId: 'id',
      clientSecret: 'secret',
      apiKey: undefined,
      webhookSecrets: [],
      scopes: [],
      overrides: { rateLimit: undefined, api: undefined, auth: undefined, displayName: undefined },
    },
    registry,
  )
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return readTokenResponse(integration, { status, contentType, body: text }, now)
}

function idToken(claims: Record<string, string>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`
}

describe('token responses', () => {
  it('reads a standard response (Google), with the account from the id token', () => {
    const outcome = read('google', {
      access_token: 'ya29.a',
      expires_in: 3599,
      refresh_token: '1//r',
      scope: 'openid https://www.googleapis.com/auth/userinfo.email',
      token_type: 'Bearer',
      id_token: idToken({ sub: '1234567890', email: 'a@example.com' }),
    })
    expect(outcome).toMatchObject({
      ok: true,
      tokens: {
        accessToken: 'ya29.a',
        refreshToken: '1//r',
        tokenType: 'Bearer',
        expiresAt: new Date('2026-11-27T20:59:59.000Z'),
        scopes: ['openid', 'https://www.googleapis.com/auth/userinfo.email'],
        providerAccountId: '1234567890',
      },
    })
  })

  it('reads Slack bot installs, user-token installs, and ok:false errors sent with HTTP 200', () => {
    const bot = read('slack', {
      ok: true,
      access_token: 'xoxb-1',
      token_type: 'bot',
      scope: 'channels:read,chat:write',
      bot_user_id: 'U0B',
      team: { id: 'T123', name: 'Acme' },
      authed_user: { id: 'U1', scope: 'search:read', access_token: 'xoxp-1', token_type: 'user' },
    })
    expect(bot).toMatchObject({
      ok: true,
      tokens: {
        accessToken: 'xoxb-1',
        tokenType: 'bot',
        scopes: ['channels:read', 'chat:write'],
        providerAccountId: 'T123',
      },
    })
    expect(bot.ok && bot.tokens.metadata).toEqual({ teamName: 'Acme', botUserId: 'U0B' })
    const user = read('slack', {
      ok: true,
      team: { id: 'T9' },
      authed_user: {
        id: 'U1',
        scope: 'search:read',
        access_token: 'xoxp-2',
        token_type: 'user',
        refresh_token: 'xoxe-1',
        expires_in: 43200,
      },
    })
    expect(user).toMatchObject({
      ok: true,
      tokens: { accessToken: 'xoxp-2', refreshToken: 'xoxe-1', tokenType: 'user' },
    })
    expect(read('slack', { ok: false, error: 'invalid_code' })).toEqual({
      ok: false,
      error: 'invalid_code',
      status: 200,
    })
  })

  it('reads GitHub form-encoded answers, and its errors sent with HTTP 200', () => {
    const form = read(
      'github',
      'access_token=gho_16C7&scope=repo%2Cgist&token_type=bearer',
      200,
      'application/x-www-form-urlencoded',
    )
    expect(form).toMatchObject({
      ok: true,
      tokens: { accessToken: 'gho_16C7', scopes: ['repo', 'gist'], refreshToken: undefined },
    })
    expect(
      read('github', { error: 'bad_verification_code', error_description: 'The code passed is incorrect.' }),
    ).toEqual({
      ok: false,
      error: 'bad_verification_code',
      status: 200,
    })
    expect(read('github', 'access_token=gho_x&token_type=bearer', 200, 'text/plain')).toMatchObject({ ok: true })
  })

  it("keeps Salesforce's instance_url as metadata and its org/user as the account", () => {
    const outcome = read('salesforce', {
      access_token: '00D!AQ',
      refresh_token: '5Aep',
      instance_url: 'https://acme.my.salesforce.com',
      id: 'https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001Sv6e',
      token_type: 'Bearer',
      issued_at: '1278448101416',
    })
    expect(outcome).toMatchObject({
      ok: true,
      tokens: {
        metadata: { instance_url: 'https://acme.my.salesforce.com' },
        providerAccountId: '00Dxx0000001gPL/005xx000001Sv6e',
      },
    })
  })

  it("names the Stripe connected account, and Microsoft's user and tenant", () => {
    expect(
      read('stripe-connect', { access_token: 'sk_x', stripe_user_id: 'acct_1', token_type: 'bearer' }),
    ).toMatchObject({
      ok: true,
      tokens: { providerAccountId: 'acct_1' },
    })
    expect(
      read('microsoft', { access_token: 'eyJ', expires_in: 3600, id_token: idToken({ oid: 'o-1', tid: 't-1' }) }),
    ).toMatchObject({
      ok: true,
      tokens: { providerAccountId: 'o-1', metadata: { tenantId: 't-1' } },
    })
  })

  it('reports OAuth errors and broken answers by code, never by quoting them', () => {
    expect(
      read('google', { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400),
    ).toEqual({
      ok: false,
      error: 'invalid_grant',
      status: 400,
    })
    expect(read('google', '<html>502 Bad Gateway</html>', 502, 'text/html')).toEqual({
      ok: false,
      error: 'invalid_token_response',
      status: 502,
    })
    expect(read('google', {}, 500)).toEqual({ ok: false, error: 'server_error', status: 500 })
    expect(read('google', { token_type: 'Bearer' })).toEqual({
      ok: false,
      error: 'invalid_token_response',
      status: 200,
    })
    expect(read('google', { error: '<script>alert(1)</script>' }, 400)).toEqual({
      ok: false,
      error: 'invalid_error_code',
      status: 400,
    })
  })

  it('leaves the refresh token out when the provider sends none, so that the old one is kept', () => {
    expect(read('google', { access_token: 'new', expires_in: 3600, token_type: 'Bearer' })).toMatchObject({
      ok: true,
      tokens: { accessToken: 'new', refreshToken: undefined },
    })
  })
})

describe('refusals of a dead refresh token', () => {
  it("read GitHub's bad_refresh_token and Slack's invalid_refresh_token as invalid_grant", () => {
    expect(
      read('github', {
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
      }),
    ).toEqual({
      ok: false,
      error: 'invalid_grant',
      status: 200,
    })
    expect(read('slack', { ok: false, error: 'invalid_refresh_token' })).toEqual({
      ok: false,
      error: 'invalid_grant',
      status: 200,
    })
  })
})
