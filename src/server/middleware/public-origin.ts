/**
 * @module One origin for browsers in development (docs/configuration.md, "publicUrl"). The hub answers on every
 * loopback name of its port, but its cookies (the dashboard's session, the connect flow's binding) and every link and
 * return it makes belong to publicUrl's: a page opened on `127.0.0.1` while publicUrl says `localhost` would sign in
 * on one origin and come back from the provider to the other, signed out. So a browser asking for a page on another
 * loopback name is sent to the same path on publicUrl before anything else happens.
 */
import type { MiddlewareHandler } from 'hono'
import { isLoopbackHost } from '../../core/network.js'

/**
 * Never redirected: programs (the API, health, metrics, the OpenAPI file, webhooks), the sandbox provider (it plays
 * another site), the OAuth callback (the provider sends it where it was registered, on publicUrl, with a one-time
 * code that should not travel further) and stylesheets and icons (asked for by a page already on the right origin).
 */
const notPages = /^\/(?:v1|health|metrics|openapi\.json|webhooks|sandbox|oauth|assets|favicon\.svg)(?:\/|$)/

/**
 * Where a request for a page should go instead, or undefined when it is served where it is: only a GET or HEAD, only
 * when publicUrl is itself on a loopback name, and only from another loopback name of the same port (the twins
 * `localhost`, `127.0.0.1` and `[::1]`). `path` is the path inside the hub; publicUrl ends with the hub's prefix.
 * The name and port are the request's `host` header when it has one: that is what the browser asked for, while the URL
 * is whatever the framework in front built (Next.js's dev server says `localhost` for a page asked on `127.0.0.1`).
 */
export function publicOriginRedirect(
  request: { method: string; url: string; path: string; host?: string | undefined },
  publicUrl: URL,
): string | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
  if (notPages.test(request.path)) return undefined
  const asked = new URL(request.url)
  const hostUrl = request.host === undefined ? undefined : URL.parse(`${asked.protocol}//${request.host}`)
  // A host header that is no host at all: nothing to compare, the page is served where it is.
  if (hostUrl === null) return undefined
  const { hostname, port } = hostUrl ?? asked
  if (hostname === publicUrl.hostname || !isLoopbackHost(hostname)) return undefined
  if (asked.protocol !== publicUrl.protocol || port !== publicUrl.port) return undefined
  const prefix = publicUrl.pathname.replace(/\/+$/, '')
  return `${publicUrl.origin}${prefix}${request.path}${asked.search}`
}

/** The middleware; it does nothing when publicUrl is not on a loopback name (a hub behind a real host name). */
export function redirectToPublicOrigin(publicUrl: string): MiddlewareHandler {
  const target = new URL(publicUrl)
  if (!isLoopbackHost(target.hostname)) return (_c, next) => next()
  return async (c, next) => {
    const location = publicOriginRedirect(
      { method: c.req.method, url: c.req.url, path: c.req.path, host: c.req.header('host') },
      target,
    )
    if (location === undefined) return next()
    c.header('cache-control', 'no-store')
    return c.redirect(location, 302)
  }
}
