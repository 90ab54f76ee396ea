/**
 * The TCP proxy that the fault suites put between the hub and PostgreSQL, checked in front of a tiny echo server:
 * each mode does to a connection what its name says, and restore() brings new connections back.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/** Long enough that an echo that did not come in this time is not coming (the echo server answers at once). */
const silentMs = 400

interface Client {
  socket: Socket
  /** Sends `text` and resolves with the echo, or with how the connection ended. */
  echo(text: string, waitMs?: number): Promise<string>
  /** Waits until `length` characters were received since the last echo began (or since the start). */
  until(length: number): Promise<string>
  ended: Promise<string>
}

describe('the TCP proxy of the fault suites', () => {
  let echoServer: Server
  let echoPort: number
  let tcp: TcpProxy
  const clients: Socket[] = []

  beforeAll(async () => {
    echoServer = createServer((socket) => {
      socket.on('error', () => undefined)
      socket.pipe(socket)
    })
    await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve))
    const address = echoServer.address()
    echoPort = typeof address === 'object' && address !== null ? address.port : 0
  })
  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy()
    await tcp?.close()
  })
  afterAll(async () => {
    await new Promise((resolve) => echoServer.close(resolve))
  })

  const open = async (): Promise<Client> => {
    const socket = connect({ host: '127.0.0.1', port: tcp.port })
    clients.push(socket)
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk
    })
    const ended = new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      socket.on('close', () => resolve('closed'))
    })
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    return {
      socket,
      ended,
      echo: async (text, waitMs = 10_000) => {
        received = ''
        socket.write(text)
        const deadline = performance.now() + waitMs
        while (received.length < text.length && performance.now() < deadline && !socket.destroyed) {
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        return socket.destroyed && received.length < text.length ? 'ended' : received
      },
      until: async (wanted) => {
        const deadline = performance.now() + 10_000
        while (received.length < wanted && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        return received
      },
    }
  }

  it('forwards both ways when open', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    expect(await (await open()).echo('ping')).toBe('ping')
  })

  it('cut: ends open connections and refuses new ones until restored', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    const before = await open()
    tcp.cut()
    expect(await before.ended).toBe('closed')
    const during = await open()
    expect(await during.ended).toBe('closed')
    tcp.restore()
    expect(await (await open()).echo('back')).toBe('back')
  })

  it('reset: resets open connections (ECONNRESET) and forwards new ones at once', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    const before = await open()
    expect(await before.echo('a')).toBe('a')
    tcp.reset()
    expect(await before.ended).toBe('ECONNRESET')
    expect(await (await open()).echo('b')).toBe('b')
  })

  it('stall: holds connections silent; restore drops them and forwards new ones', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    const before = await open()
    tcp.stall()
    expect(await before.echo('x', silentMs)).toBe('')
    const during = await open()
    expect(await during.echo('y', silentMs)).toBe('')
    tcp.restore()
    expect(await before.ended).toBe('closed')
    expect(await during.ended).toBe('closed')
    expect(await (await open()).echo('z')).toBe('z')
  })

  it('blackhole: held connections stay open and silent after restore; new ones forward', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    const before = await open()
    tcp.blackhole()
    expect(await before.echo('x', silentMs)).toBe('')
    tcp.restore()
    expect(await before.echo('x', silentMs)).toBe('')
    expect(before.socket.destroyed).toBe(false)
    expect(await (await open()).echo('z')).toBe('z')
  })

  it('slow: delays each chunk each way, in order, for open and new connections; restore forwards at once', async () => {
    tcp = await startTcpProxy({ host: '127.0.0.1', port: echoPort })
    const before = await open()
    tcp.slow(200)
    for (const client of [before, await open()]) {
      const started = performance.now()
      // Three chunks, a little apart: each is delayed on its own, and they arrive in the order sent.
      client.socket.write('1')
      await new Promise((resolve) => setTimeout(resolve, 20))
      client.socket.write('2')
      await new Promise((resolve) => setTimeout(resolve, 20))
      client.socket.write('3')
      expect(await client.until(3)).toBe('123')
      // A lower bound only: a busy machine makes it later, never sooner.
      expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 200 - 5)
    }
    tcp.restore()
    expect(await before.echo('fast')).toBe('fast')
  })
})
