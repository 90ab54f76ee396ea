/**
 * `POST /webhooks/:integration` on a real socket, where the Node adapter's own handling shows: a 50 MiB body (declared
 * or chunked without end) is refused with 413 while the sender is still sending, and the connection is closed, so
 * the hub never reads it (docs/security.md, "Webhooks"); a signature header sent twice is refused even when both
 * copies are genuine.
 */
import { connect, type Socket } from 'node:net'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const githubSecret = 'socket-test-github-secret'
const fiftyMiB = 50 * 1024 * 1024

/** What a raw HTTP/1.1 exchange came to: the answer's bytes, and how much the client had sent when it arrived. */
interface Exchange {
  answer: string
  sentWhenAnswered: number
  sentInAll: number
  /** Whether the server closed the connection before the client sent everything it meant to. */
  closedEarly: boolean
}

/** Sends `head`, then up to `bodyBytes` of body in 64 KiB pieces (chunked framing when asked), at the socket's pace. */
function exchange(port: number, head: string, bodyBytes: number, chunked: boolean): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1')
    let answer = ''
    let sent = 0
    let sentWhenAnswered = -1
    let done = false
    const piece = Buffer.alloc(64 * 1024, 'a')
    const framed = chunked
      ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
      : piece
    const timer = setTimeout(
      () => finish(new Error(`no end after 30 s; answer so far: ${answer.slice(0, 200)}`)),
      30_000,
    )
    const finish = (error?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve({ answer, sentWhenAnswered, sentInAll: sent, closedEarly: sent < bodyBytes })
    }
    const pump = () => {
      while (!done && sent < bodyBytes) {
        sent += piece.length
        if (!socket.write(framed)) return
      }
    }
    socket.on('connect', () => {
      socket.write(head)
      pump()
    })
    socket.on('drain', pump)
    socket.on('data', (data) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent
      answer += data.toString('latin1')
    })
    // The server closing (or resetting) the connection ends the exchange; what was answered before is kept.
    socket.on('error', () => finish())
    socket.on('close', () => finish())
  })
}

describe('webhooks on a real socket', () => {
  let h: ConnectionHarness
  let server: RunningServer

  beforeAll(async () => {
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      integrations: { gh: { provider: 'github', clientId: 'c', clientSecret: 's', webhookSecret: githubSecret } },
    })
    server = await listen(h.app, { host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await server.close(100)
    await h.close()
  })

  it('refuses a declared 50 MiB body with 413 before reading it, and closes the connection', async () => {
    const head = `POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${fiftyMiB}\r\n\r\n`
    const result = await exchange(server.port, head, fiftyMiB, false)
    expect(result.answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(result.answer).toContain('"code":"payload_too_large"')
    expect(result.answer.toLowerCase()).toContain('connection: close')
    // Answered while the client was still sending, and cut off: the 50 MiB never went over the wire. What the client
    // got out is what the two kernels' socket buffers hold (a few MiB on Linux loopback): the hub read none of it.
    expect(result.sentWhenAnswered).toBeLessThan(fiftyMiB)
    expect(result.closedEarly).toBe(true)
    expect(result.sentInAll).toBeLessThan(16 * 1024 * 1024)
  })

  it('refuses an endless chunked body with 413 once past 1 MiB, and closes the connection', async () => {
    const head =
      'POST /webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
    const result = await exchange(server.port, head, fiftyMiB, true)
    expect(result.answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(result.answer).toContain('"code":"payload_too_large"')
    expect(result.answer.toLowerCase()).toContain('connection: close')
    expect(result.closedEarly).toBe(true)
    // The client gets far less than 50 MiB out before the hub hangs up: at most the 1 MiB read, plus what the two
    // kernels' socket buffers hold (a few MiB on Linux loopback).
    expect(result.sentInAll).toBeLessThan(16 * 1024 * 1024)
  })

  it('refuses a signature header sent twice, even when both copies are genuine', async () => {
    const body = '{"action":"opened"}'
    const signature = await octokitSign(githubSecret, body)
    const head = (signatures: string[]) =>
      [
        'POST /webhooks/gh HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        ...signatures.map((value) => `X-Hub-Signature-256: ${value}`),
        '',
        body,
      ].join('\r\n')
    const once = await rawRequest(server.port, head([signature]))
    expect(once).toMatch(/^HTTP\/1\.1 200 /)
    const twice = await rawRequest(server.port, head([signature, signature]))
    expect(twice).toMatch(/^HTTP\/1\.1 401 /)
    expect(twice).toContain('"code":"invalid_signature"')
    expect(h.logLines.join('\n')).toContain('"reason":"duplicate_header"')
  })
})

function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request))
    let answer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('no answer in 10 s'))
    }, 10_000)
    socket.on('data', (data) => {
      answer += data.toString('latin1')
    })
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
  })
}
