/**
 * A load balancer for tests: an HTTP server on 127.0.0.1 that sends each request to the next of its targets in turn
 * (round robin per request, not per connection, so that a client's keep-alive connection cannot pin it to one
 * target), with no sticky sessions. The request goes on unchanged (its `Host` too, as a balancer's would), and the
 * answer comes back unchanged. It records which target served each request.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface Served {
  /** The index of the target that served the request. */
  target: number
  method: string
  /** The path, without the query (a connect link's path is all this needs). */
  path: string
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`: the hubs' `publicUrl`. */
  readonly url: string
  /** Every request forwarded, in the order it arrived. */
  readonly served: Served[]
  /** Sets the targets (base URLs); known only once the hubs run, after the proxy's URL went into their config. */
  route(targets: readonly string[]): void
  close(): Promise<void>
}

export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  const served: Served[] = []
  const sockets = new Set<Socket>()
  let targets: readonly URL[] = []
  let next = 0

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (targets.length === 0) {
      outgoing.writeHead(503).end('no targets yet')
      return
    }
    const index = next
    next = (next + 1) % targets.length
    const target = targets[index]!
    served.push({
      target: index,
      method: incoming.method ?? 'GET',
      path: new URL(incoming.url ?? '/', 'http://balancer').pathname,
    })
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
        answer.pipe(outgoing)
      },
    )
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502)
      outgoing.end()
    })
    incoming.pipe(upstream)
  }

  const server = createServer(forward)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    route(list) {
      targets = list.map((target) => new URL(target))
      next = 0
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
