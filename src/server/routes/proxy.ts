/**
 * @module `ANY /v1/proxy/:integration/*`: the route only reads the raw request; the proxy does the rest. On the hub's
 * socket the same calls are served ahead of the app on Node's own request and response (server/proxy-node-route.ts);
 * this route serves `app.request()` and the library's `handle()`.
 */

import type { Readable } from 'node:stream'
import { type Context, Hono } from 'hono'
import type { ApiProxy } from '../../proxy/proxy.js'
import { responseOf } from '../../proxy/proxy-answer.js'
import { proxyBody } from '../../proxy/proxy-body.js'
import { headersOfRequest } from '../../proxy/proxy-headers.js'
import { proxyTarget } from '../../proxy/proxy-target.js'

/**
 * The path as the caller sent it: from the socket when there is one (a `Request` URL has already resolved dot
 * segments, which the proxy must see in order to refuse them), else from the request.
 */
function rawTarget(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url
  if (incoming !== undefined) return incoming
  const url = new URL(c.req.url)
  return `${url.pathname}${url.search}`
}

/** The body by the proxy's one rule (`proxy-body.ts`), as the library and the dashboard read theirs. */
async function requestBody(c: Context, method: string): Promise<Uint8Array | Readable | undefined> {
  if (method === 'GET' || method === 'HEAD') return undefined
  return (await proxyBody(c.req.raw, undefined)).body
}

export function proxyRoutes(proxy: ApiProxy): Hono {
  const handle = async (c: Context) => {
    const { integration, path, search } = proxyTarget(rawTarget(c))
    const method = c.req.method.toUpperCase()
    const body = await requestBody(c, method)
    const answer = await proxy.forward({
      integration,
      path,
      search,
      method,
      headers: headersOfRequest(c.req.raw.headers),
      body,
      signal: c.req.raw.signal,
    })
    return responseOf(answer)
  }
  return new Hono().all('/:integration', handle).all('/:integration/*', handle)
}
