/**
 * A small TCP proxy on 127.0.0.1 in front of a shared service (PostgreSQL, Redis). Tests simulate an outage by
 * cutting the proxy (connections refused), stalling it (connections held, nothing answered) or black-holing it (as
 * stalling, but the connections held stay silent for good, as a crashed host's or a failed-over server's do), never
 * by stopping the service that other suites use.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Drops every open connection and refuses new ones until restored. */
  cut(): void
  /** Keeps connections open but forwards nothing either way, as a hung server would. */
  stall(): void
  /**
   * As `stall()`, but `restore()` leaves the connections held until then open and silent (never answered, never
   * reset): only connections made after it reach the service again.
   */
  blackhole(): void
  /** Forwards new connections again; stalled connections are dropped, black-holed ones stay silent. */
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>()
  let mode: 'open' | 'cut' | 'stalled' | 'blackholed' = 'open'
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy()
      return
    }
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined }
    pairs.add(pair)
    client.on('error', () => undefined)
    client.on('close', () => {
      pair.upstream?.destroy()
      pairs.delete(pair)
    })
    if (mode === 'stalled' || mode === 'blackholed') return
    const upstream = createConnection(target)
    pair.upstream = upstream
    upstream.on('error', () => client.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const dropAll = () => {
    for (const pair of pairs) {
      pair.client.destroy()
      pair.upstream?.destroy()
    }
  }
  const silenceAll = () => {
    for (const pair of pairs) {
      pair.client.unpipe()
      pair.upstream?.unpipe()
      pair.client.pause()
      pair.upstream?.pause()
    }
  }
  return {
    port,
    cut() {
      mode = 'cut'
      dropAll()
    },
    stall() {
      mode = 'stalled'
      silenceAll()
    },
    blackhole() {
      mode = 'blackholed'
      silenceAll()
      // The service's side goes, as a crashed host's sessions do (and so that held sessions do not pile up on the
      // shared server); the client's side stays open and silent.
      for (const pair of pairs) {
        pair.upstream?.removeAllListeners('close')
        pair.upstream?.destroy()
        pair.upstream = undefined
      }
    },
    restore() {
      // Stalled connections cannot be trusted again (bytes were swallowed): they are dropped, new ones forward.
      if (mode === 'stalled') dropAll()
      mode = 'open'
    },
    close: () =>
      new Promise((resolve) => {
        dropAll()
        server.close(() => resolve())
      }),
  }
}
