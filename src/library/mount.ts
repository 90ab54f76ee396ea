/**
 * @module Serving the hub's app under the path where the application mounted it: the prefix is taken off before
 * routing, so the app sees the same paths as under `junction start`; anything outside the prefix is a 404.
 */
import type { Hono } from 'hono'
import { errorResponse } from '../core/error-response.js'

/**
 * A web-standard handler for the app mounted at `basePath` (`''` for the root). The links and redirects the app makes
 * come from `publicUrl`, which ends with `basePath`, so they lead back here.
 */
export function mountedHandler(app: Hono, basePath: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url)
    const inner = innerPath(url.pathname, basePath)
    if (inner === undefined) return errorResponse('not_found', `no route for ${request.method} ${url.pathname}`)
    if (basePath === '') return app.fetch(request)
    url.pathname = inner
    const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD'
    return app.fetch(
      new Request(url, {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        redirect: request.redirect,
        // The body streams through untouched: the proxy decides what it buffers.
        ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
      } as RequestInit),
    )
  }
}

/** The path under `basePath` (`/` for the prefix itself), or undefined when the path is outside it. */
function innerPath(pathname: string, basePath: string): string | undefined {
  if (basePath === '') return pathname
  if (pathname === basePath) return '/'
  if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length)
  return undefined
}
