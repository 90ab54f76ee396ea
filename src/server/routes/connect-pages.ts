/**
 * @module The browser side of the connect flow: `GET /connect/:token` (redirect to the provider, or a credentials
 * form), `POST /connect/:token` (that form), and `GET /oauth/callback`. Every page is `no-store` and sends no referrer.
 */

import type { Context } from 'hono'
import { Hono } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { isJunctionError } from '../../core/errors.js'
import type { ConnectFlow, FlowResult } from '../../oauth/connect-flow.js'
import { withOutcome } from '../../oauth/return-url.js'
import { credentialsFormPage, resultPage } from '../pages.js'

const flowHeaders = { 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' }

export function connectPageRoutes(flow: ConnectFlow, publicUrl: string): Hono {
  const secure = publicUrl.startsWith('https://')
  // `__Host-` pins the cookie to this host over https; a plain name on http://localhost (CONTRACT.md §7).
  const cookieName = secure ? '__Host-junction-connect' : 'junction-connect'
  const bindBrowser = (c: Context, value: string) =>
    // Lax, not Strict: the provider sends the browser back with a top-level cross-site navigation.
    setCookie(c, cookieName, value, { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge: 600 })

  const finish = (c: Context, result: FlowResult) => {
    setCookie(c, cookieName, '', { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge: 0 })
    for (const [name, value] of Object.entries(flowHeaders)) c.header(name, value)
    if (result.returnUrl !== null) {
      const outcome = result.ok
        ? { status: 'success', integration: result.integration ?? '' }
        : { status: 'error', error: result.error ?? 'unknown' }
      return c.redirect(withOutcome(result.returnUrl, outcome), 302)
    }
    return c.html(
      resultPage(
        result.ok,
        result.ok
          ? `Your ${result.integration} account is connected.`
          : `Junction could not connect your account (${result.error}).`,
      ),
      result.ok ? 200 : 400,
    )
  }

  return new Hono()
    .get('/connect/:token', async (c) => {
      for (const [name, value] of Object.entries(flowHeaders)) c.header(name, value)
      try {
        const outcome = await flow.openLink(c.req.param('token'))
        bindBrowser(c, outcome.browserValue)
        if (outcome.kind === 'redirect') return c.redirect(outcome.location, 302)
        const fields =
          outcome.integration.definition.auth.type === 'basic'
            ? [
                { name: 'username', label: 'Username', type: 'text' },
                { name: 'password', label: 'Password', type: 'password' },
              ]
            : [{ name: 'apiKey', label: 'API key', type: 'password' }]
        const name = outcome.integration.definition.displayName ?? outcome.integration.id
        return c.html(credentialsFormPage(`/connect/${encodeURIComponent(c.req.param('token'))}`, name, fields))
      } catch (error) {
        if (isJunctionError(error) && error.code === 'invalid_state')
          return c.html(resultPage(false, error.message), 400)
        throw error
      }
    })
    .post('/connect/:token', async (c) => {
      const form = await c.req.parseBody()
      const fields = Object.fromEntries(
        Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
      return finish(c, await flow.submitCredentials(c.req.param('token'), getCookie(c, cookieName), fields))
    })
    .get('/oauth/callback', async (c) => finish(c, await flow.callback(c.req.query(), getCookie(c, cookieName))))
}
