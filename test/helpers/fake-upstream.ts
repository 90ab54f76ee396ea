/**
 * A provider-like HTTP server on 127.0.0.1 for client and proxy suites: a seeded fault schedule, a token-bucket rate
 * limit answering 429, and misbehaving endpoints (silent, trickling, huge). It records what it saw.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface UpstreamOptions {
  /** Fraction of requests answered 503, and fraction whose connection is reset without an answer. */
  faults?: { errorRate: number; resetRate: number; seed: number }
  /** Enforced per server: a token bucket refilled at `requestsPerSecond`, holding `burst`. */
  rateLimit?: { requestsPerSecond: number; burst: number }
  /** How long every ordinary answer (faults included) waits before it is sent, as a slow provider's would. */
  latencyMs?: number
}

export interface Arrival {
  at: number
  method: string
  path: string
  requestId: string | undefined
  status: number | 'reset'
}

export interface FakeUpstream {
  readonly url: string
  readonly arrivals: Arrival[]
  /** Sockets currently open to the server. */
  openSockets(): number
  /** Changes the fault schedule from the next request on (a provider going down, or coming back). */
  setFaults(faults: UpstreamOptions['faults']): void
  close(): Promise<void>
}

/** A small seeded generator (mulberry32), so a fault schedule is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<FakeUpstream> {
  const arrivals: Arrival[] = []
  const sockets = new Set<Socket>()
  let faults = options.faults
  let random = faults === undefined ? undefined : seededRandom(faults.seed)
  let tokens = options.rateLimit?.burst ?? 0
  let refilledAt = performance.now()

  const takeToken = (): { ok: true; remaining: number } | { ok: false; waitMs: number } => {
    const limit = options.rateLimit
    if (limit === undefined) return { ok: true, remaining: 1 }
    const now = performance.now()
    tokens = Math.min(limit.burst, tokens + ((now - refilledAt) / 1000) * limit.requestsPerSecond)
    refilledAt = now
    if (tokens >= 1) {
      tokens -= 1
      return { ok: true, remaining: Math.floor(tokens) }
    }
    return { ok: false, waitMs: ((1 - tokens) / limit.requestsPerSecond) * 1000 }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://upstream')
    const record = (status: number | 'reset') =>
      arrivals.push({
        at: performance.now(),
        method: request.method ?? 'GET',
        path: url.pathname,
        requestId: request.headers['x-request-id'] as string | undefined,
        status,
      })
    const body: Buffer[] = []
    for await (const chunk of request) body.push(chunk as Buffer)

    if (url.pathname === '/silent') {
      // Never answers: the client's timeout must end the call.
      record(0)
      return
    }
    if (url.pathname.endsWith('/trickle')) {
      record(200)
      response.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => response.write('.'), 1_000)
      response.on('close', () => clearInterval(timer))
      return
    }
    if (url.pathname.endsWith('/bytes')) {
      record(200)
      const size = Number(url.searchParams.get('n') ?? 0)
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      for (let sent = 0; sent < size && !response.destroyed; sent += 65_536) {
        if (!response.write(Buffer.alloc(Math.min(65_536, size - sent), 7)))
          await new Promise((resolve) => response.once('drain', resolve))
      }
      response.end()
      return
    }
    if (url.pathname.endsWith('/huge')) {
      record(200)
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(1024 * 1024, 7)
      for (let sent = 0; sent < 20 && !response.destroyed; sent++) {
        if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve))
      }
      response.end()
      return
    }
    // Answers that depend on the request, for proxy suites.
    if (url.pathname.endsWith('/needs-fresh-token') && (request.headers.authorization ?? '').includes('stale')) {
      record(401)
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}')
      return
    }
    if (url.pathname.endsWith('/moved')) {
      // A redirect that repeats the whole query, a query-string key included (never followed by Junction).
      record(302)
      const location = `/elsewhere${url.search}`
      response.writeHead(302, { location, 'content-type': 'text/plain' }).end(`Redirecting to ${location}`)
      return
    }
    if (url.pathname.endsWith('/echo-error')) {
      // A careless provider: the credential back in a header and in the body (padded past `pad` bytes), and a
      // header that claims to be Junction's.
      record(400)
      const sent = request.headers.authorization ?? ''
      response.writeHead(400, { 'content-type': 'application/json', 'x-echo': sent, 'junction-error': 'forged' }).end(
        JSON.stringify({
          error: 'bad',
          padding: 'x'.repeat(Number(url.searchParams.get('pad') ?? 0)),
          youSent: sent,
        }),
      )
      return
    }
    if (url.pathname.endsWith('/always-401')) {
      record(401)
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}')
      return
    }
    if (url.pathname.endsWith('/always-reset')) {
      record('reset')
      request.socket.destroy()
      return
    }
    if (url.pathname.endsWith('/set-cookie')) {
      record(200)
      response
        .writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'session=provider-secret', 'x-provider': 'yes' })
        .end('ok')
      return
    }
    if (options.latencyMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.latencyMs))
    if (response.destroyed) return
    const roll = random?.()
    if (roll !== undefined && faults !== undefined) {
      if (roll < faults.resetRate) {
        record('reset')
        request.socket.destroy()
        return
      }
      if (roll < faults.resetRate + faults.errorRate) {
        record(503)
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}')
        return
      }
    }
    const token = takeToken()
    if (!token.ok) {
      record(429)
      response
        .writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(Math.max(1, Math.ceil(token.waitMs / 1000))),
          'x-ratelimit-remaining': '0',
        })
        .end('{"error":"rate_limited"}')
      return
    }
    record(200)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (options.rateLimit !== undefined) headers['x-ratelimit-remaining'] = String(token.remaining)
    response.writeHead(200, headers).end(
      JSON.stringify({
        ok: true,
        method: request.method,
        path: url.pathname,
        query: url.search,
        body: Buffer.concat(body).toString('utf8'),
        headers: request.headers,
      }),
    )
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    openSockets: () => sockets.size,
    setFaults: (next) => {
      faults = next
      random = next === undefined ? undefined : seededRandom(next.seed)
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The most arrivals of the given statuses in any window of `windowMs`. */
export function maxInWindow(arrivals: Arrival[], windowMs: number): number {
  const times = arrivals.map((arrival) => arrival.at).sort((a, b) => a - b)
  let most = 0
  let start = 0
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++
    most = Math.max(most, end - start + 1)
  }
  return most
}
