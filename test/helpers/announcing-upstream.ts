/**
 * A provider-like server on 127.0.0.1 that enforces a fixed-window quota (`quota` calls per `windowMs`, 429 with
 * `Retry-After` beyond it) and announces it in one of the header forms providers use, or in none (`silent`). It
 * records every arrival, for the limiter suites and the benchmark.
 */
import { createServer } from 'node:http'
import type { Socket } from 'node:net'

export type AnnounceForm = 'ietf' | 'github' | 'hubspot' | 'silent'

export interface AnnouncingUpstream {
  readonly url: string
  readonly arrivals: { at: number; status: number }[]
  close(): Promise<void>
}

export async function startAnnouncingUpstream(options: {
  quota: number
  windowMs: number
  form: AnnounceForm
}): Promise<AnnouncingUpstream> {
  const { quota, windowMs, form } = options
  const arrivals: { at: number; status: number }[] = []
  const sockets = new Set<Socket>()
  const started = performance.now()
  let window = -1
  let used = 0

  const announce = (remaining: number, resetMs: number): Record<string, string> => {
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000))
    if (form === 'ietf') {
      return {
        'ratelimit-policy': `"window";q=${quota};w=${windowMs / 1000}`,
        ratelimit: `"window";r=${remaining};t=${resetSeconds}`,
      }
    }
    if (form === 'github') {
      return {
        'x-ratelimit-limit': String(quota),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-used': String(quota - remaining),
        'x-ratelimit-reset': String(Math.ceil((Date.now() + resetMs) / 1000)),
      }
    }
    if (form === 'hubspot') {
      return {
        'x-hubspot-ratelimit-max': String(quota),
        'x-hubspot-ratelimit-interval-milliseconds': String(windowMs),
        'x-hubspot-ratelimit-remaining': String(remaining),
      }
    }
    return {}
  }

  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      const now = performance.now()
      const current = Math.floor((now - started) / windowMs)
      if (current !== window) {
        window = current
        used = 0
      }
      const resetMs = (current + 1) * windowMs - (now - started)
      if (used >= quota) {
        arrivals.push({ at: now, status: 429 })
        response
          .writeHead(429, {
            'content-type': 'application/json',
            'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))),
            ...announce(0, resetMs),
          })
          .end('{"error":"rate_limited"}')
        return
      }
      used++
      arrivals.push({ at: now, status: 200 })
      response
        .writeHead(200, { 'content-type': 'application/json', ...announce(quota - used, resetMs) })
        .end('{"ok":true}')
    })
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
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
