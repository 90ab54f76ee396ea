/**
 * @module The browser side of the connect flow: `GET /connect/:token` (redirect to the provider, or a credentials
 * form), `POST /connect/:token` (that form), and `GET /oauth/callback`. Every page is `no-store`, sends no
 * referrer, and forbids framing and foreign content.
 */
import { type Context, Hono } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { Branding } from '../../config/config.js'
import type { ConnectFlow, FlowResult } from '../../connections/connect-flow.js'
import { isJunctionError } from '../../core/errors.js'
import { withOutcome } from '../../oauth/return-url.js'
import {
  brandedPageHeaders,
  credentialsFormPage,
  pagesStylesheetFor,
  resultPage,
  setPageHeaders,
  stylesheetAnswer,
} from '../pages.js'
import { readForm } from '../request-input.js'

/** `branding`: the app's name, logo and colour on these pages (docs/configuration.md); Junction's plain look without. */
export function connectPageRoutes(flow: ConnectFlow, publicUrl: string, branding?: Branding): Hono {
  const headers = brandedPageHeaders(branding)
  const secure = publicUrl.startsWith('https://')
  // Under publicUrl's path: the hub may be mounted under a prefix of the application (`createJunction`'s basePath).
  const stylesheet = `${new URL(publicUrl).pathname.replace(/\/+$/, '')}/assets/pages.css`
  // `__Host-` pins the cookie to this host over https; a plain name on http://localhost (docs/security.md, "State,
  // PKCE and browser binding"). One cookie per connect session, so that two flows in one browser do not undo each
  // other.
  const cookieName = (suffix: string) => `${secure ? '__Host-' : ''}junction-connect-${suffix}`
  const setBinding = (c: Context, suffix: string, value: string, maxAge: number) =>
    // Lax, not Strict: the provider sends the browser back with a top-level cross-site navigation.
    setCookie(c, cookieName(suffix), value, { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge })
  const binding = (c: Context) => (suffix: string) => getCookie(c, cookieName(suffix))

  const finish = (c: Context, result: FlowResult) => {
    // Only a browser that proved it held the binding has it cleared: a forged callback cannot end a real flow's cookie.
    if (result.cookie !== undefined) setBinding(c, result.cookie, '', 0)
    setPageHeaders(c, headers)
    if (result.returnUrl !== null) {
      const outcome = result.ok
        ? { status: 'success', integration: result.integration ?? '' }
        : { status: 'error', error: result.error ?? 'unknown' }
      return c.redirect(withOutcome(result.returnUrl, outcome), 302)
    }
    const detail = result.ok
      ? `Your ${result.integration} account is connected.`
      : `Junction could not connect your account (${result.error}).`
    return c.html(resultPage(result.ok, detail, stylesheet, branding), result.ok ? 200 : 400)
  }

  return new Hono()
    .get('/assets/pages.css', stylesheetAnswer(pagesStylesheetFor(branding)))
    .get('/connect/:token', async (c) => {
      setPageHeaders(c, headers)
      try {
        const outcome = await flow.openLink(c.req.param('token'))
        setBinding(c, outcome.cookie, outcome.browserValue, 600)
        if (outcome.kind === 'redirect') return c.redirect(outcome.location, 302)
        return c.html(
          credentialsFormPage(
            outcome.integration.definition.displayName ?? outcome.integration.id,
            outcome.fields,
            stylesheet,
            branding,
          ),
        )
      } catch (error) {
        if (isJunctionError(error) && error.code === 'invalid_state')
          return c.html(resultPage(false, error.message, stylesheet, branding), 400)
        throw error
      }
    })
    .post('/connect/:token', async (c) => {
      return finish(c, await flow.submitCredentials(c.req.param('token'), binding(c), await readForm(c)))
    })
    .get('/oauth/callback', async (c) => finish(c, await flow.callback(c.req.queries(), binding(c))))
}
