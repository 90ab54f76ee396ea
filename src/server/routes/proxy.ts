/** @module `ANY /v1/proxy/:integration/*`: the route only reads the raw request; the proxy does the rest. */

import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { type Context, Hono } from 'hono'
import { decodeOrKeep } from '../../core/uri.js'
import { bufferedBodyBytes } from '../../proxy/body-limits.js'
import type { ApiProxy } from '../../proxy/proxy.js'

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

/** A name that does not decode is left as it came; no integration has such a name, so it is simply not found. */
const integrationName = decodeOrKeep

/** The body: bytes when its declared length is at most 1 MiB, else a stream (no length declared: a stream too). */
async function requestBody(c: Context, method: string): Promise<Uint8Array | Readable | undefined> {
  if (method === 'GET' || method === 'HEAD' || c.req.raw.body === null) return undefined
  const declared = c.req.header('content-length')
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= bufferedBodyBytes) {
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    return bytes.byteLength > 0 ? bytes : undefined
  }
  return Readable.fromWeb(c.req.raw.body as WebReadableStream<Uint8Array>)
}

export function proxyRoutes(proxy: ApiProxy): Hono {
  const handle = async (c: Context) => {
    const target = rawTarget(c)
    const questionMark = target.indexOf('?')
    const pathname = questionMark === -1 ? target : target.slice(0, questionMark)
    const rest = pathname.slice(pathname.indexOf('/v1/proxy/') + '/v1/proxy/'.length)
    const slash = rest.indexOf('/')
    const integration = slash === -1 ? rest : rest.slice(0, slash)
    const method = c.req.method.toUpperCase()
    const body = await requestBody(c, method)
    return proxy.forward({
      integration: integrationName(integration),
      path: slash === -1 ? '' : rest.slice(slash),
      search: questionMark === -1 ? '' : target.slice(questionMark),
      method,
      headers: c.req.raw.headers,
      body,
      signal: c.req.raw.signal,
    })
  }
  return new Hono().all('/:integration', handle).all('/:integration/*', handle)
}
