/** For every built-in OAuth provider: the exact authorize URL, and the exact token requests. */
import { describe, expect, it } from 'vitest'
import { resolveIntegration } from '../config/resolve-integration.js'
import { createProviderRegistry } from '../providers/registry.js'
import { buildAuthorizeUrl } from './authorize-url.js'
import { pkceChallenge } from './pkce.js'
import { buildRevocationRequest, buildTokenRequest, revocationToken } from './token-request.js'

const registry = createProviderRegistry({ publicUrl: 'http://localhost:3003', custom: {} })
const redirectUri = 'https://hub.example.com/oauth/callback'
const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const challenge = pkceChallenge(verifier)

function integration(provider: string, scopes: string[]) {
  return resolveIntegration(
    {
      id: provider,
      provider,
      authType: 'oauth2',
      clientId: 'client id',
      clientSecret: 's3cr:t%',
      apiKey: undefined,
      webhookSecrets: [],
      scopes,
      overrides: { rateLimit: undefined, api: undefined, auth: undefined, displayName: undefined },
    },
    registry,
  )
}

const basicAuth = `Basic ${Buffer.from('client+id:s3cr%3At%25').toString('base64')}`
const postCredentials = 'client_id=client+id&client_secret=s3cr%3At%25'

const cases = [
  {
    provider: 'google',
    scopes: ['openid', 'email'],
    authorize: `https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent&include_granted_scopes=true&response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=openid+email&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
    tokenUrl: 'https://oauth2.googleapis.com/token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'slack',
    scopes: ['channels:read', 'chat:write'],
    authorize: `https://slack.com/oauth/v2/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=channels%3Aread%2Cchat%3Awrite&state=st`,
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'hubspot',
    scopes: ['crm.objects.contacts.read'],
    authorize: `https://app.hubspot.com/oauth/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=crm.objects.contacts.read&state=st`,
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'github',
    scopes: ['repo', 'read:user'],
    authorize: `https://github.com/login/oauth/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=repo+read%3Auser&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
    tokenUrl: 'https://github.com/login/oauth/access_token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'microsoft',
    scopes: ['offline_access', 'User.Read'],
    authorize: `https://login.microsoftonline.com/common/oauth2/v2.0/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=offline_access+User.Read&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'salesforce',
    scopes: ['api', 'refresh_token'],
    authorize: `https://login.salesforce.com/services/oauth2/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=api+refresh_token&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'stripe-connect',
    scopes: ['read_write'],
    authorize: `https://connect.stripe.com/oauth/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=read_write&state=st`,
    tokenUrl: 'https://connect.stripe.com/oauth/token',
    auth: 'post',
    extraHeaders: {},
  },
  {
    provider: 'sandbox',
    scopes: ['items:read'],
    authorize: `http://localhost:3003/sandbox/oauth/authorize?response_type=code&client_id=client+id&redirect_uri=${encodeURIComponent(redirectUri)}&scope=items%3Aread&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
    tokenUrl: 'http://localhost:3003/sandbox/oauth/token',
    auth: 'basic',
    extraHeaders: {},
  },
] as const

describe.each(cases)('$provider', (expected) => {
  const resolved = integration(expected.provider, [...expected.scopes])
  const usesPkce = resolved.definition.auth.type === 'oauth2' && resolved.definition.auth.pkce

  it('builds the exact authorize URL', () => {
    const url = buildAuthorizeUrl(resolved, { redirectUri, state: 'st', codeChallenge: challenge })
    expect(url.href).toBe(expected.authorize)
  })

  it('sends the exact code exchange', () => {
    const request = buildTokenRequest(resolved, {
      type: 'authorization_code',
      code: 'the-code',
      redirectUri,
      codeVerifier: usesPkce ? verifier : undefined,
    })
    const grant = `grant_type=authorization_code&code=the-code&redirect_uri=${encodeURIComponent(redirectUri)}${usesPkce ? `&code_verifier=${verifier}` : ''}`
    expect(request).toEqual({
      url: expected.tokenUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(expected.auth === 'basic' ? { authorization: basicAuth } : {}),
      },
      body: expected.auth === 'post' ? `${grant}&${postCredentials}` : grant,
    })
  })

  it('sends the exact refresh', () => {
    const request = buildTokenRequest(resolved, { type: 'refresh_token', refreshToken: 'r/1+2' })
    const grant = 'grant_type=refresh_token&refresh_token=r%2F1%2B2'
    expect(request.body).toBe(expected.auth === 'post' ? `${grant}&${postCredentials}` : grant)
    expect(request.headers.authorization).toBe(expected.auth === 'basic' ? basicAuth : undefined)
  })
})

describe('authorize URLs', () => {
  it('leave PKCE out for providers that turn it off, even when a challenge is given', () => {
    const url = buildAuthorizeUrl(integration('slack', []), { redirectUri, state: 'st', codeChallenge: challenge })
    expect(url.searchParams.has('code_challenge')).toBe(false)
    expect(url.searchParams.has('scope')).toBe(false)
  })

  it('compute the S256 challenge of RFC 7636 appendix B', () => {
    expect(challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })
})

describe('revocation requests', () => {
  const tokens = { accessToken: 'the-access', refreshToken: 'the-refresh' }
  const revoke = (provider: string, accountId: string | null = null) => {
    const resolved = integration(provider, [])
    const { token, kind } = revocationToken(resolved, tokens)
    return buildRevocationRequest(resolved, token, kind, accountId)
  }

  it('use RFC 7009 with the refresh token first where the provider has that endpoint', () => {
    expect(revoke('google')).toEqual({
      url: 'https://oauth2.googleapis.com/revoke',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `token=the-refresh&token_type_hint=refresh_token&${postCredentials}`,
    })
    expect(revoke('sandbox')).toMatchObject({
      headers: { authorization: basicAuth },
      body: 'token=the-refresh&token_type_hint=refresh_token',
    })
    expect(revoke('salesforce')?.url).toBe('https://login.salesforce.com/services/oauth2/revoke')
  })

  it("use Slack's auth.revoke with the access token", () => {
    expect(revoke('slack')).toEqual({
      url: 'https://slack.com/api/auth.revoke',
      method: 'POST',
      headers: { authorization: 'Bearer the-access', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    })
  })

  it("delete GitHub's app grant with the client's basic credentials", () => {
    expect(revoke('github')).toEqual({
      url: 'https://api.github.com/applications/client%20id/grant',
      method: 'DELETE',
      headers: {
        authorization: `Basic ${Buffer.from('client id:s3cr:t%').toString('base64')}`,
        accept: 'application/vnd.github+json',
        'content-type': 'application/json',
      },
      body: '{"access_token":"the-access"}',
    })
  })

  it("delete HubSpot's refresh token, and deauthorize a Stripe connected account", () => {
    expect(revoke('hubspot')).toEqual({
      url: 'https://api.hubapi.com/oauth/v1/refresh-tokens/the-refresh',
      method: 'DELETE',
      headers: {},
      body: undefined,
    })
    expect(revoke('stripe-connect', 'acct_1')).toEqual({
      url: 'https://connect.stripe.com/oauth/deauthorize',
      method: 'POST',
      headers: { authorization: 'Bearer s3cr:t%', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=client+id&stripe_user_id=acct_1',
    })
  })

  it('are absent where the provider cannot revoke (Microsoft)', () => {
    expect(revoke('microsoft')).toBeUndefined()
  })
})

describe('configured authorize parameters', () => {
  it('can never replace state, redirect_uri or PKCE', () => {
    const resolved = integration('sandbox', [])
    const auth = resolved.definition.auth
    if (auth.type !== 'oauth2') throw new Error('expected OAuth')
    const tampered = {
      ...resolved,
      definition: {
        ...resolved.definition,
        auth: {
          ...auth,
          authorizeParams: { state: 'fixed', redirect_uri: 'https://evil.example/cb', code_challenge: 'x' },
        },
      },
    }
    const url = buildAuthorizeUrl(tampered, { redirectUri, state: 'st', codeChallenge: challenge })
    expect(url.searchParams.get('state')).toBe('st')
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri)
    expect(url.searchParams.get('code_challenge')).toBe(challenge)
  })
})
