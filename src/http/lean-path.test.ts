/**
 * The client's own undici transport ends attempts by itself (deadline, caller's abort), so the client skips its own
 * watch over them: the common call's lean path. A client given the same transport as an option takes the full path.
 * Both must answer every server behaviour alike.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isJunctionError } from '../core/errors.js'
import { type AttemptEvent, createHttpClient, type HttpClient, type HttpRequest } from './client.js'
import { createUndiciTransport } from './transport.js'

const local = { allowHttp: true, allowPrivateNetworks: true }
const maxResponseBytes = 1_000

/** Answers by path; `x-run` names a run, so that each client sees a flaky route fail first. */
function startServer(): Promise<Server> {
  const seen = new Map<string, number>()
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname
    const run = String(request.headers['x-run'])
    const count = (seen.get(`${run} ${path}`) ?? 0) + 1
    seen.set(`${run} ${path}`, count)
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const json = { 'content-type': 'application/json' }
      if (path === '/json') {
        response.setHeader('x-multi', ['one', 'two'])
        response.writeHead(200, json).end('{"a":1,"list":[1,2]}')
      } else if (path === '/text') response.writeHead(200, { 'content-type': 'Text/Plain; charset=utf-8' }).end('hi')
      else if (path === '/bytes')
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end('\x01\x02')
      else if (path === '/empty-json') response.writeHead(200, json).end('')
      else if (path === '/missing') response.writeHead(404, json).end('{"error":"not_found"}')
      else if (path === '/flaky' && count === 1) response.writeHead(503, json).end('{"error":"unavailable"}')
      else if (path === '/limited' && count === 1) response.writeHead(429, { ...json, 'retry-after': '0' }).end('{}')
      else if (path === '/big') response.writeHead(200, json).end(`"${'x'.repeat(2 * maxResponseBytes)}"`)
      else if (path === '/silent') return
      else {
        const body = Buffer.concat(chunks).toString('utf8')
        const { 'content-type': type, 'x-client': client, 'x-own': own } = request.headers
        response.writeHead(200, json).end(JSON.stringify({ method: request.method, body, type, client, own }))
      }
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** What a caller can see of a call: the answer or the error, and every attempt event. */
async function outcome(api: HttpClient, request: HttpRequest) {
  const attempts: Omit<AttemptEvent, 'durationMs' | 'rateLimitWaitMs'>[] = []
  const onAttempt = ({ durationMs: _, rateLimitWaitMs: __, ...event }: AttemptEvent) => attempts.push(event)
  try {
    const { headers, ...answer } = await api.request({ ...request, onAttempt })
    const { date: _, ...stable } = headers
    return { answer: { ...answer, headers: stable }, attempts }
  } catch (error) {
    if (!isJunctionError(error)) throw error
    return { error: { name: error.name, code: error.code, message: error.message }, attempts }
  }
}

describe('the lean path (the client’s own transport) and the full path (the same transport given as an option)', () => {
  let server: Server
  let lean: HttpClient
  let full: HttpClient
  const fullTransport = createUndiciTransport({ egress: local, maxResponseBytes })
  beforeAll(async () => {
    server = await startServer()
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const options = {
      baseUrl,
      egress: local,
      maxResponseBytes,
      retry: { baseDelayMs: 1 },
      headers: { 'X-Client': 'c' },
    }
    lean = createHttpClient({ ...options, headers: { ...options.headers, 'x-run': 'lean' } })
    full = createHttpClient({
      ...options,
      headers: { ...options.headers, 'x-run': 'full' },
      transport: fullTransport.transport,
    })
  })
  afterAll(async () => {
    server.closeAllConnections()
    await lean.close()
    await fullTransport.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it.each<[string, () => HttpRequest]>([
    ['a JSON answer with a repeated header', () => ({ path: '/json', query: { page: 2 } })],
    ['a text answer', () => ({ path: '/text' })],
    ['a binary answer', () => ({ path: '/bytes' })],
    ['an empty JSON answer', () => ({ path: '/empty-json' })],
    ['a 404', () => ({ path: '/missing' })],
    ['a 503, retried', () => ({ path: '/flaky' })],
    ['a 429 with Retry-After, retried', () => ({ path: '/limited' })],
    ['a body over the size cap', () => ({ path: '/big' })],
    [
      'a POST with json and headers of its own',
      () => ({ method: 'post', path: '/echo', json: { b: 2 }, headers: { 'X-Own': 'o' } }),
    ],
    ['a path that leaves the base URL', () => ({ path: '/a/%2e%2e/%2e%2e/x' })],
    ['an attempt that times out', () => ({ path: '/silent', timeoutMs: 200, retry: false })],
    // Ended by its caller, with its timeout and deadline out of the test's reach: an attempt that did not end at the
    // abort by itself would hang here.
    [
      'a call its caller aborts',
      () => ({ path: '/silent', timeoutMs: 600_000, deadlineMs: 600_000, signal: AbortSignal.timeout(100) }),
    ],
  ])(
    '%s',
    async (_, request) => {
      const [fromLean, fromFull] = await Promise.all([outcome(lean, request()), outcome(full, request())])
      expect(fromLean).toEqual(fromFull)
    },
    30_000,
  )
})
