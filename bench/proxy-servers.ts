/**
 * The proxy benchmark's servers, each run as a process of its own (`node --import tsx bench/proxy-servers.ts <kind>
 * [upstream origin]`), printing the port they listen on:
 * - `upstream`: a keep-alive `node:http` server answering a small JSON body, a 50 KiB one under `/big`, and tokens
 *   (20 s long, so that a connection's token refreshes during a run) at `POST /token`;
 * - `node`: a bare pass-through, `node:http` + `undici.request`, streaming, nothing else (the practical ceiling);
 * - `hono`: the same pass-through as a Hono route on @hono/node-server with `undici.request`;
 * - `hono-fetch`: the same Hono route with the global `fetch` instead.
 */
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { Agent, request } from 'undici'

const body = JSON.stringify({ ok: true, items: [1, 2, 3], name: 'benchmark' })
/** 50 KiB of JSON, where streaming matters. */
const bigBody = JSON.stringify({ ok: true, items: Array.from({ length: 2_000 }, (_, n) => `item-${n}`) }).padEnd(
  51_200 - 1,
  ' ',
)
let tokens = 0
const [kind, origin = ''] = process.argv.slice(2)
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 60_000 })
const listening = (port: number) => process.stdout.write(`${port}\n`)

/** The headers a pass-through hands back: the body's type and length, nothing else. */
function passedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const name of ['content-type', 'content-length']) {
    const value = headers[name]
    if (typeof value === 'string') kept[name] = value
  }
  return kept
}

if (kind === 'upstream') {
  const server = createServer((incoming, response) => {
    incoming.resume()
    incoming.on('end', () => {
      const url = incoming.url ?? '/'
      let answer = body
      if (url.startsWith('/token')) {
        tokens++
        answer = JSON.stringify({
          access_token: `bench-access-${tokens}`,
          refresh_token: `bench-refresh-${tokens}`,
          token_type: 'Bearer',
          expires_in: 20,
        })
      } else if (url.startsWith('/big')) answer = bigBody
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer)
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => listening((server.address() as { port: number }).port))
} else if (kind === 'node') {
  const server = createServer((incoming, response) => {
    request(`${origin}${incoming.url}`, { method: incoming.method as 'GET', dispatcher })
      .then((upstream) => {
        response.writeHead(upstream.statusCode, passedHeaders(upstream.headers))
        // `.pipe()`, not `stream.pipeline()`: the latter's per-call bookkeeping halves this server's rate.
        upstream.body.on('error', () => response.destroy())
        upstream.body.pipe(response)
      })
      .catch(() => response.destroy())
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => listening((server.address() as { port: number }).port))
} else if (kind === 'hono' || kind === 'hono-fetch') {
  const app = new Hono()
  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const target = `${origin}${url.pathname}${url.search}`
    if (kind === 'hono-fetch') {
      const upstream = await fetch(target, { method: c.req.method })
      return new Response(upstream.body, {
        status: upstream.status,
        headers: passedHeaders(Object.fromEntries(upstream.headers)),
      })
    }
    const upstream = await request(target, { method: c.req.method as 'GET', dispatcher })
    return new Response(Readable.toWeb(upstream.body) as ReadableStream<Uint8Array>, {
      status: upstream.statusCode,
      headers: passedHeaders(upstream.headers),
    })
  })
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => listening(info.port))
} else {
  throw new Error(`unknown server kind ${kind}`)
}
