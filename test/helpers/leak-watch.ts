/**
 * Reads every answer an app gives for secrets the test knows: access and refresh tokens, client secrets, API keys,
 * and every credential imported through `POST /v1/connections`. Wrapping `app.fetch` covers `app.request()` and a
 * real socket alike, and wrapping the app's Node routes (the proxy and webhooks on a socket) covers what those write
 * to Node's response, so a suite checks all of its answers, not the ones a test thought of.
 *
 * One exception, by route and field, never by content: the token route's 200 answer carries its `accessToken` (and
 * nothing else secret). The provider's own success bodies through the proxy are the provider's business and are not
 * read; Junction's own answers and the proxy's error answers (which it scrubs) are.
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { Hono } from 'hono'
import { type NodeRoute, nodeRoutesOf } from '../../src/server/node-routes.js'

export interface WatchedApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>
}

type NodeHandle = NodeRoute['handle']

export interface Leak {
  /** `METHOD path status` of the answer. */
  answer: string
  /** The first characters of the secret found (enough to tell which). */
  secret: string
}

export interface LeakWatch {
  /** Reads every answer of `app` from now on. */
  watch(app: WatchedApp): void
  /** Values that no answer may contain. */
  secret(...values: string[]): void
  /** Every answer read so far that contains a known secret (waits for bodies still being read). */
  leaks(): Promise<Leak[]>
  /** The known secrets found in `text` (a log, say), by their first characters. */
  secretsIn(text: string): string[]
}

const tokenRoute = /\/v1\/connections\/[^/]+\/[^/]+\/token$/
const proxyRoute = /\/v1\/proxy\//
const credentialsRoute = /\/v1\/connections$/
/** The imported credentials' fields that are secret (an expiry or a user name is not). */
const secretFields = new Set(['accessToken', 'refreshToken', 'apiKey', 'password'])

interface Answer {
  label: string
  text: string
}

export function createLeakWatch(): LeakWatch {
  const secrets = new Set<string>()
  // Shorter values (a test's placeholder 'x') would match everywhere and tell nothing.
  const learn = (value: string) => {
    if (value.length >= 6) secrets.add(value)
  }
  const answers: Answer[] = []
  const reading: Promise<void>[] = []

  async function record(request: Request, response: Response): Promise<void> {
    const path = new URL(request.url).pathname
    const label = `${request.method} ${path} ${response.status}`
    const headers = JSON.stringify([...response.headers])
    const providerSuccess = proxyRoute.test(path) && response.status < 400 && !response.headers.has('junction-error')
    if (providerSuccess || response.body === null) {
      answers.push({ label, text: headers })
      return
    }
    let body = await response.clone().text()
    if (tokenRoute.test(path) && response.status === 200) body = withoutAccessToken(body)
    answers.push({ label, text: `${headers}\n${body}` })
  }

  /** What a Node route writes to its response, read as `record` reads a `Response`. */
  function recordNode(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = []
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return
      if (typeof chunk === 'string') {
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'))
      } else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
    }
    const write = response.write.bind(response) as (...args: unknown[]) => boolean
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    response.write = ((...args: unknown[]) => {
      keep(args[0], args[1])
      return write(...args)
    }) as ServerResponse['write']
    response.end = ((...args: unknown[]) => {
      keep(args[0], args[1])
      return end(...args)
    }) as ServerResponse['end']
    reading.push(
      new Promise<void>((done) => {
        response.once('close', () => {
          const path = (request.url ?? '').split('?')[0] ?? ''
          const label = `${request.method} ${path} ${response.statusCode}`
          const headers = JSON.stringify(response.getHeaders())
          const providerSuccess =
            proxyRoute.test(path) && response.statusCode < 400 && response.getHeader('junction-error') === undefined
          answers.push({ label, text: providerSuccess ? headers : `${headers}\n${Buffer.concat(chunks).toString()}` })
          done()
        })
      }),
    )
  }

  async function learnCredentials(request: Request): Promise<void> {
    if (request.method !== 'POST' || !credentialsRoute.test(new URL(request.url).pathname)) return
    const sent = await request
      .clone()
      .json()
      .catch(() => undefined)
    const credentials = (sent as { credentials?: unknown } | undefined)?.credentials
    if (typeof credentials !== 'object' || credentials === null) return
    for (const [name, value] of Object.entries(credentials)) {
      if (secretFields.has(name) && typeof value === 'string') learn(value)
    }
  }

  return {
    watch(app) {
      const original = app.fetch
      app.fetch = async (request: Request, ...rest: never[]) => {
        const learnt = learnCredentials(request)
        reading.push(learnt)
        const response = await original(request, ...rest)
        reading.push(record(request, response).catch(() => undefined))
        await learnt
        return response
      }
      if (app instanceof Hono) {
        for (const route of nodeRoutesOf(app)) {
          const handle: NodeHandle = route.handle.bind(route)
          ;(route as { handle: NodeHandle }).handle = (request, response) => {
            recordNode(request, response)
            return handle(request, response)
          }
        }
      }
    },
    secret(...values) {
      for (const value of values) learn(value)
    },
    async leaks() {
      await Promise.all(reading)
      const found: Leak[] = []
      for (const answer of answers) {
        for (const secret of secrets) {
          if (answer.text.includes(secret)) found.push({ answer: answer.label, secret: `${secret.slice(0, 6)}…` })
        }
      }
      return found
    },
    secretsIn: (text) =>
      [...secrets].filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 6)}…`),
  }
}

/** The token route's body with its one allowed secret, the `accessToken` field, taken out. */
function withoutAccessToken(body: string): string {
  try {
    const { accessToken: _allowed, ...rest } = JSON.parse(body) as Record<string, unknown>
    return JSON.stringify(rest)
  } catch {
    return body
  }
}
