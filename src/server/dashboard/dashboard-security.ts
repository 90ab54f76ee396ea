/**
 * @module The dashboard's guards (docs/security.md, "Dashboard"): the session cookie (HttpOnly, SameSite=Strict,
 * `__Host-` under https), sign-in required on every page, and on every state-changing request a matching `Origin`
 * and the session's CSRF token.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { csrfTokenMatches, type DashboardSessions } from '../../api-keys/dashboard-sessions.js'
import type { Mode } from '../../config/config.js'
import { pageHeaders, setPageHeaders } from '../pages.js'
import type { DashboardEnv } from './dashboard-env.js'
import { formFields } from './form-input.js'

export interface DashboardGuards {
  /** Page headers (CSP, no framing, no caching), on every dashboard answer. */
  headers: MiddlewareHandler
  /** Headers, then a live session or a redirect to the sign-in page. */
  page: MiddlewareHandler<DashboardEnv>
  /** After `page`, on state-changing requests: same origin and the session's CSRF token. */
  action: MiddlewareHandler<DashboardEnv>
  cookie: SessionCookie
  origins: ReadonlySet<string>
}

export function dashboardGuards(
  options: { publicUrl: string; mode: Mode; sessions: DashboardSessions },
  base: string,
): DashboardGuards {
  const cookie = sessionCookie(options.publicUrl)
  const origins = allowedOrigins(options.publicUrl, options.mode)
  const session = requireSession(options.sessions, cookie, `${base}/sign-in`)
  return {
    headers: withPageHeaders,
    page: async (c, next) => {
      setDashboardHeaders(c)
      return session(c, next)
    },
    action: requireCsrf(origins),
    cookie,
    origins,
  }
}

/**
 * The pages' headers, with one change: `same-origin` referrers instead of none, because under `no-referrer` a
 * browser sends `Origin: null` with a form, and the Origin check would refuse our own forms.
 */
const dashboardHeaders: Readonly<Record<string, string>> = { ...pageHeaders, 'referrer-policy': 'same-origin' }

export const setDashboardHeaders = (c: Context) => setPageHeaders(c, dashboardHeaders)

const withPageHeaders: MiddlewareHandler = async (c, next) => {
  setDashboardHeaders(c)
  return next()
}

export interface SessionCookie {
  read(c: Context): string | undefined
  set(c: Context, id: string, expiresAt: Date): void
  clear(c: Context): void
}

function sessionCookie(publicUrl: string): SessionCookie {
  const secure = publicUrl.startsWith('https://')
  const name = `${secure ? '__Host-' : ''}junction-session`
  return {
    read: (c) => getCookie(c, name),
    set: (c, id, expiresAt) =>
      setCookie(c, name, id, { httpOnly: true, secure, sameSite: 'Strict', path: '/', expires: expiresAt }),
    clear: (c) => deleteCookie(c, name, { httpOnly: true, secure, sameSite: 'Strict', path: '/' }),
  }
}

/**
 * The origins a state-changing request may come from: the public URL's; in development also its loopback twins
 * (`localhost`, `127.0.0.1`, `[::1]` on the same port), since a newcomer may open either.
 */
function allowedOrigins(publicUrl: string, mode: Mode): ReadonlySet<string> {
  const url = new URL(publicUrl)
  const origins = new Set([url.origin])
  const loopback = ['localhost', '127.0.0.1', '[::1]']
  if (mode === 'development' && loopback.includes(url.hostname)) {
    for (const host of loopback) origins.add(`${url.protocol}//${host}${url.port === '' ? '' : `:${url.port}`}`)
  }
  return origins
}

const reloadMarker = 'junction-reloaded'

/** Pages need a live session; without one the browser goes to the sign-in page. */
function requireSession(
  sessions: DashboardSessions,
  cookie: SessionCookie,
  signInPath: string,
): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const id = cookie.read(c)
    const session = id === undefined ? undefined : await sessions.find(id)
    if (id === undefined || session === undefined) {
      // A navigation that comes back from another site (a provider's consent page) carries no SameSite=Strict cookie:
      // reloading from here makes it a same-site navigation, which does. Once only: a short-lived marker says the
      // reload happened, so a browser that still called it cross-site goes on to the sign-in page.
      if (c.req.method === 'GET' && c.req.header('sec-fetch-site') === 'cross-site') {
        if (getCookie(c, reloadMarker) === undefined) {
          setCookie(c, reloadMarker, '1', { httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 10 })
          return c.html('<!doctype html><meta http-equiv="refresh" content="0"><title>Junction</title>')
        }
        deleteCookie(c, reloadMarker, { path: '/' })
      }
      if (id !== undefined) cookie.clear(c)
      return c.redirect(signInPath, 303)
    }
    c.set('session', session)
    c.set('sessionId', id)
    return next()
  }
}

/** State-changing requests: from one of our origins, and carrying the session's CSRF token in the form. */
function requireCsrf(origins: ReadonlySet<string>): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const token = (await formFields(c))('_csrf')
    if (!isSameOrigin(c, origins) || !csrfTokenMatches(c.get('session'), token)) return forbidden(c)
    return next()
  }
}

export function isSameOrigin(c: Context, origins: ReadonlySet<string>): boolean {
  const origin = c.req.header('origin')
  return origin !== undefined && origins.has(origin)
}

export function forbidden(c: Context) {
  return c.text('Forbidden: this request did not come from a Junction dashboard page. Reload the page and retry.', 403)
}
