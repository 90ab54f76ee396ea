/**
 * @module The sandbox's OAuth 2.0 authorization server: an authorization page with Approve and Deny, the code grant
 * with PKCE (S256) verified, refresh with rotation (a refresh token used twice ends its whole grant, as strict
 * providers do), and revocation.
 * @see RFC 6749 §4.1, RFC 7636 §4.6, RFC 7009, docs/security.md, "Exactly one refresh"
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { isLoopbackHost } from '../core/network.js'
import { pkceChallenge } from '../oauth/pkce.js'
import { escapeHtml, page, setPageHeaders } from '../server/pages.js'
import type { SandboxOptions } from './sandbox-options.js'
import type { SandboxTokens } from './sandbox-tokens.js'

/** Relative, so that it resolves under wherever the hub is mounted (pages are at `<hub>/sandbox/oauth/…`). */
const stylesheet = '../../assets/pages.css'

export interface GrantRegistry {
  /** Grants ended by a reused refresh token or a revocation. */
  readonly revokedGrants: Set<string>
  /** Refresh tokens already exchanged (by jti). */
  readonly usedRefreshTokens: Set<string>
}

const tokenError = (c: Context, error: string, status: 400 | 401 = 400) =>
  c.json({ error }, status, { 'cache-control': 'no-store' })

export function sandboxOAuthRoutes(options: SandboxOptions, tokens: SandboxTokens, grants: GrantRegistry): Hono {
  const accessSeconds = options.config.accessTokenSeconds ?? 3_600

  const issuePair = (grant: string, user: string, scope: string) => {
    const now = Math.floor(Date.now() / 1000)
    const access = tokens.issue({ kind: 'access', grant, user, scope, exp: now + accessSeconds })
    const refresh = tokens.issue({ kind: 'refresh', grant, user, scope, exp: now + 30 * 86_400 })
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: accessSeconds,
      refresh_token: refresh.token,
      scope,
      account_id: `sandbox-${user}`,
    }
  }

  const clientAuthenticated = (c: Context, form: Record<string, string>): boolean => {
    const header = c.req.header('authorization') ?? ''
    let id = form.client_id
    let secret = form.client_secret
    if (header.startsWith('Basic ')) {
      const [rawId = '', rawSecret = ''] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')
      try {
        id = decodeURIComponent(rawId.replace(/\+/g, ' '))
        secret = decodeURIComponent(rawSecret.replace(/\+/g, ' '))
      } catch {
        return false
      }
    }
    return id === options.clientId && secret !== undefined && safeEqual(secret, options.clientSecret)
  }

  const redirectWith = (c: Context, redirectUri: string, params: Record<string, string>) => {
    const url = new URL(redirectUri)
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
    return c.redirect(url.toString(), 302)
  }

  const approve = (c: Context, query: Record<string, string>) => {
    const grant = `g_${Math.random().toString(36).slice(2, 12)}`
    const code = tokens.issue({
      kind: 'code',
      grant,
      user: query.login_hint ?? 'demo',
      scope: query.scope ?? '',
      exp: Math.floor(Date.now() / 1000) + 60,
      redirectUri: query.redirect_uri ?? '',
      challenge: query.code_challenge ?? '',
    })
    return redirectWith(c, query.redirect_uri ?? '', { code: code.token, state: query.state ?? '' })
  }

  const redirectAllowed = (uri: string | undefined): boolean => {
    if (uri === undefined || !URL.canParse(uri)) return false
    if (options.redirectUris !== undefined) return options.redirectUris.includes(uri)
    return isLoopbackHost(new URL(uri).hostname)
  }

  /** What is wrong with an authorization request: `unknown_client` is shown, anything else sent back. */
  const requestProblem = (query: Record<string, string | undefined>): string | undefined => {
    if (query.client_id !== options.clientId || !redirectAllowed(query.redirect_uri)) return 'unknown_client'
    if (query.response_type !== 'code' || query.code_challenge_method !== 'S256' || !query.code_challenge)
      return 'invalid_request'
    return undefined
  }

  const consentMac = (expires: string, params: Record<string, string>) =>
    createHmac('sha256', options.secret)
      .update(`consent|${expires}|${JSON.stringify(params)}`)
      .digest('base64url')
  const consentToken = (params: Record<string, string>) => {
    const expires = String(Date.now() + 600_000)
    return `${expires}.${consentMac(expires, params)}`
  }
  const validConsent = (params: Record<string, string>, token: string | undefined): boolean => {
    const [expires = '', mac = ''] = (token ?? '').split('.')
    if (!(Number(expires) > Date.now())) return false
    return safeEqual(mac, consentMac(expires, params))
  }

  return new Hono()
    .get('/authorize', (c) => {
      const query = c.req.query()
      setPageHeaders(c)
      const problem = requestProblem(query)
      if (problem === 'unknown_client')
        return c.html(page('Sandbox: invalid request', '<p>Unknown client or redirect URI.</p>', stylesheet), 400)
      if (problem !== undefined)
        return redirectWith(c, query.redirect_uri ?? '', { error: problem, state: query.state ?? '' })
      if (options.config.autoApprove) return approve(c, query)
      const signed = { ...pick(query), consent: consentToken(pick(query)) }
      const hidden = Object.entries(signed)
        .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
        .join('')
      const scopes = (query.scope ?? '')
        .split(' ')
        .filter(Boolean)
        .map((scope) => `<li>${escapeHtml(scope)}</li>`)
      return c.html(
        page(
          'Sandbox: allow access?',
          `<p>An application wants to access your sandbox account.</p><ul>${scopes.join('')}</ul>` +
            `<form method="post" action="decision">${hidden}` +
            '<button type="submit" name="decision" value="approve">Approve</button> ' +
            '<button type="submit" name="decision" value="deny">Deny</button></form>',
          stylesheet,
        ),
      )
    })
    .post('/decision', async (c) => {
      const form = (await c.req.parseBody()) as Record<string, string>
      setPageHeaders(c)
      // Only a decision made on our own page counts: the signed field proves the page showed these parameters.
      if (requestProblem(form) !== undefined || !validConsent(pick(form), form.consent)) {
        return c.html(
          page('Sandbox: invalid request', '<p>This decision did not come from the consent page.</p>', stylesheet),
          400,
        )
      }
      if (form.decision !== 'approve')
        return redirectWith(c, form.redirect_uri ?? '', { error: 'access_denied', state: form.state ?? '' })
      return approve(c, form)
    })
    .post('/token', async (c) => {
      const form = (await c.req.parseBody()) as Record<string, string>
      if (!clientAuthenticated(c, form)) return tokenError(c, 'invalid_client', 401)
      if (form.grant_type === 'authorization_code') {
        const code = tokens.verify(form.code ?? '', 'code')
        if (code === undefined || grants.usedRefreshTokens.has(code.jti)) return tokenError(c, 'invalid_grant')
        // A code is single use; its jti joins the used set.
        grants.usedRefreshTokens.add(code.jti)
        if (code.redirectUri !== form.redirect_uri) return tokenError(c, 'invalid_grant')
        if (!form.code_verifier || pkceChallenge(form.code_verifier) !== code.challenge)
          return tokenError(c, 'invalid_grant')
        return c.json(issuePair(code.grant, code.user, code.scope), 200, { 'cache-control': 'no-store' })
      }
      if (form.grant_type === 'refresh_token') {
        const refresh = tokens.verify(form.refresh_token ?? '', 'refresh')
        if (refresh === undefined || grants.revokedGrants.has(refresh.grant)) return tokenError(c, 'invalid_grant')
        if (grants.usedRefreshTokens.has(refresh.jti)) {
          // Reuse of a rotated refresh token: someone else may hold it. The whole grant ends.
          grants.revokedGrants.add(refresh.grant)
          return tokenError(c, 'invalid_grant')
        }
        grants.usedRefreshTokens.add(refresh.jti)
        return c.json(issuePair(refresh.grant, refresh.user, refresh.scope), 200, { 'cache-control': 'no-store' })
      }
      return tokenError(c, 'unsupported_grant_type')
    })
    .post('/revoke', async (c) => {
      const form = (await c.req.parseBody()) as Record<string, string>
      if (!clientAuthenticated(c, form)) return tokenError(c, 'invalid_client', 401)
      const claims = tokens.verify(form.token ?? '', 'refresh') ?? tokens.verify(form.token ?? '', 'access')
      if (claims !== undefined) grants.revokedGrants.add(claims.grant)
      // RFC 7009 §2.2: 200 whether or not the token was valid.
      return c.body(null, 200)
    })
}

function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right)
}

/** The authorization parameters a consent is given for (what the signed field covers). */
function pick(query: Record<string, string | undefined>): Record<string, string> {
  const names = [
    'client_id',
    'redirect_uri',
    'response_type',
    'scope',
    'state',
    'code_challenge',
    'code_challenge_method',
    'login_hint',
  ]
  return Object.fromEntries(names.filter((name) => query[name] !== undefined).map((name) => [name, query[name] ?? '']))
}
