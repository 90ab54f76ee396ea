/**
 * A provider on 127.0.0.1 for the response cache's suites: each path family answers with the caching headers its
 * test needs (ETag, Cache-Control, Vary), honours If-None-Match with a 304, and records every request it saw.
 * Every 200 body names the API key it was sent with and a counter, so that a test tells a cached body from a new one.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface CacheArrival {
  path: string
  headers: IncomingHttpHeaders
}

export interface CacheUpstream {
  readonly url: string
  readonly arrivals: CacheArrival[]
  /** Arrivals whose path starts with `path`. */
  seen(path: string): CacheArrival[]
  /** The version (ETag `"v<n>"`) a path answers with; 1 until changed. */
  version: Map<string, number>
  /** Paths answered with this status (no validator) instead of their usual answer. */
  failing: Map<string, number>
  /** Paths whose answer waits for this promise (decided when the request arrives, sent once it settles). */
  held: Map<string, Promise<void>>
  close(): Promise<void>
}

/** The bytes of `/api/big?bytes=n`: a pattern that shows any byte lost, doubled or out of order. */
export function bigBody(bytes: number): Buffer {
  const body = Buffer.alloc(bytes)
  for (let index = 0; index < bytes; index++) body[index] = (index * 31 + (index >> 8)) & 0xff
  return body
}

export async function startCacheUpstream(): Promise<CacheUpstream> {
  const arrivals: CacheArrival[] = []
  const version = new Map<string, number>()
  const failing = new Map<string, number>()
  const held = new Map<string, Promise<void>>()
  let counter = 0
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream')
    const path = url.pathname
    arrivals.push({ path: `${path}${url.search}`, headers: request.headers })
    counter += 1
    const hold = held.get(path)
    const json = (response: ServerResponse, status: number, headers: Record<string, string>, body: unknown) => {
      const send = () => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers })
        response.end(JSON.stringify(body))
      }
      if (hold === undefined) send()
      else void hold.then(send)
    }
    const notModified = (headers: Record<string, string>) => {
      const send = () => {
        response.writeHead(304, headers)
        response.end()
      }
      if (hold === undefined) send()
      else void hold.then(send)
    }
    // The key as the provider got it: a header (`x-api-key`) or the query (`api_key`).
    const key = request.headers['x-api-key'] ?? url.searchParams.get('api_key') ?? undefined
    const failure = failing.get(path)
    if (failure !== undefined) return json(response, failure, { 'cache-control': 'max-age=60' }, { failed: failure })
    const family = path.split('/')[2]
    const current = version.get(path) ?? 1
    const etag = `"v${current}"`
    if (family === 'fresh' || family === 'bench-fresh') {
      if (request.headers['if-none-match'] === etag) {
        return notModified({ 'cache-control': 'max-age=60', etag })
      }
      return json(response, 200, { 'cache-control': 'max-age=60', etag }, { key, n: counter })
    }
    if (family === 'etag' || family === 'bench-revalidate') {
      if (request.headers['if-none-match'] === etag) {
        return notModified({ 'cache-control': 'no-cache', etag })
      }
      return json(response, 200, { 'cache-control': 'no-cache', etag }, { key, version: current, n: counter })
    }
    if (family === 'short') return json(response, 200, { 'cache-control': 'max-age=1', etag }, { key, n: counter })
    if (family === 'nostore')
      return json(response, 200, { 'cache-control': 'no-store, max-age=60', etag }, { key, n: counter })
    if (family === 'varystar')
      return json(response, 200, { 'cache-control': 'max-age=60', vary: '*', etag }, { key, n: counter })
    if (family === 'vary-accept') {
      const accept = request.headers.accept ?? null
      return json(response, 200, { 'cache-control': 'max-age=60', vary: 'Accept' }, { key, accept, n: counter })
    }
    if (family === 'vary-auth') {
      // As GitHub answers: the body depends on the credential sent, and the answer says so.
      const vary = 'Accept, Authorization, Cookie, Accept-Encoding, X-Api-Key'
      return json(response, 200, { 'cache-control': 'max-age=60', vary, etag }, { n: counter })
    }
    if (family === 'link-echo') {
      // A success whose Link header repeats the query's key, as some query-key APIs' pagination links do.
      const link = `<http://upstream${path}?api_key=${key ?? ''}&page=2>; rel="next"`
      return json(response, 200, { 'cache-control': 'max-age=60', etag, link }, { n: counter })
    }
    if (family === 'noheaders') return json(response, 200, {}, { key, n: counter })
    if (family === 'missing') return json(response, 404, { 'cache-control': 'max-age=60', etag }, { n: counter })
    if (family === 'big') {
      const body = bigBody(Number(url.searchParams.get('bytes') ?? '0'))
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=60', etag })
      // In chunks, as a real provider's large body arrives.
      let offset = 0
      const next = () => {
        if (offset >= body.length) {
          response.end()
          return
        }
        const chunk = body.subarray(offset, offset + 16 * 1024)
        offset += chunk.length
        if (response.write(chunk)) setImmediate(next)
        else response.once('drain', next)
      }
      return next()
    }
    return json(response, 404, {}, { error: 'unknown path' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    seen: (path) => arrivals.filter((arrival) => arrival.path.startsWith(path)),
    version,
    failing,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
