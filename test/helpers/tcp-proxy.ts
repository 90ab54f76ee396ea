/**
 * A small TCP proxy on 127.0.0.1 in front of a shared service (PostgreSQL, Redis). Tests simulate an outage by
 * cutting the proxy (connections refused), resetting its connections (TCP RST), stalling it (connections held,
 * nothing answered), black-holing it (as stalling, but the connections held stay silent for good, as a crashed
 * host's or a failed-over server's do) or slowing it (every chunk delayed), never by stopping the service that other
 * suites use.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Drops every open connection and refuses new ones until restored. */
  cut(): void
  /**
   * Resets every open connection (a TCP RST to both sides, as a server host that restarted or a middlebox that lost
   * its state sends) and forwards new connections normally at once.
   */
  reset(): void
  /** Keeps connections open but forwards nothing either way, as a hung server would. */
  stall(): void
  /**
   * As `stall()`, but `restore()` leaves the connections held until then open and silent (never answered, never
   * reset): only connections made after it reach the service again.
   */
  blackhole(): void
  /**
   * Forwards everything, open connections' and new ones', each chunk `ms` later in each direction, in order, as an
   * overloaded server or a congested link would: a round trip then costs at least `2 * ms`.
   */
  slow(ms: number): void
  /**
   * Forwards new connections again; stalled connections are dropped, black-holed ones stay silent, slowed ones
   * forward what they still hold, in order, then everything at once.
   */
  restore(): void
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket | undefined
  /** Forwarding through {@link delayed} instead of pipes, from the first time the proxy was slowed on. */
  delayed: boolean
  /** Set by stall, blackhole and reset: chunks still held by a delayed forwarder are dropped, not written. */
  silenced: boolean
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>()
  const timers = new Set<NodeJS.Timeout>()
  let mode: 'open' | 'cut' | 'stalled' | 'blackholed' | 'slow' = 'open'
  let delayMs = 0

  /** Forwards `from` to `to`, each chunk `delayMs` after it arrived and never before the chunk ahead of it. */
  const delayed = (pair: Pair, from: Socket, to: Socket) => {
    let lastDue = 0
    from.on('data', (chunk: Buffer) => {
      const due = Math.max(performance.now() + delayMs, lastDue)
      lastDue = due
      const timer = setTimeout(
        () => {
          timers.delete(timer)
          if (!pair.silenced && !to.destroyed) to.write(chunk)
        },
        Math.max(0, due - performance.now()),
      )
      timers.add(timer)
    })
    // unpipe() paused it.
    from.resume()
  }
  const slowDown = (pair: Pair) => {
    if (pair.delayed || pair.upstream === undefined) return
    pair.delayed = true
    pair.client.unpipe()
    pair.upstream.unpipe()
    delayed(pair, pair.client, pair.upstream)
    delayed(pair, pair.upstream, pair.client)
  }

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy()
      return
    }
    const pair: Pair = { client, upstream: undefined, delayed: false, silenced: false }
    pairs.add(pair)
    client.on('error', () => undefined)
    client.on('close', () => {
      pair.upstream?.destroy()
      pairs.delete(pair)
    })
    if (mode === 'stalled' || mode === 'blackholed') {
      pair.silenced = true
      return
    }
    const upstream = createConnection(target)
    pair.upstream = upstream
    upstream.on('error', () => client.destroy())
    upstream.on('close', () => client.destroy())
    if (mode === 'slow') {
      slowDown(pair)
      return
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const dropAll = () => {
    for (const pair of pairs) {
      pair.silenced = true
      pair.client.destroy()
      pair.upstream?.destroy()
    }
  }
  const silenceAll = () => {
    for (const pair of pairs) {
      pair.silenced = true
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
    reset() {
      mode = 'open'
      delayMs = 0
      for (const pair of pairs) {
        pair.silenced = true
        // resetAndDestroy (Node 16.17 and later) closes with SO_LINGER 0: the peer reads ECONNRESET, not an end.
        pair.client.resetAndDestroy()
        pair.upstream?.resetAndDestroy()
      }
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
    slow(ms) {
      mode = 'slow'
      delayMs = ms
      for (const pair of pairs) slowDown(pair)
    },
    restore() {
      // Stalled connections cannot be trusted again (bytes were swallowed): they are dropped, new ones forward.
      if (mode === 'stalled') dropAll()
      mode = 'open'
      delayMs = 0
    },
    close: () =>
      new Promise((resolve) => {
        dropAll()
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
      }),
  }
}
