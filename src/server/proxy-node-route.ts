/**
 * @module `/v1/proxy/:integration/*` on the hub's socket, ahead of the app (node-routes.ts): the proxy's hot path on
 * Node's own request and response, with no web `Request`, `Headers` or `Response` per call. It checks the API key
 * and its scope as the app's middleware does (api-key-auth.ts), reads the body by the proxy's rules
 * (proxy/proxy-body.ts), hands the call to the same proxy as the app's route (routes/proxy.ts), and writes the
 * answer to the socket. A path whose dot segments would take it out of `/v1/proxy/` is left to the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiKeys } from '../api-keys/api-keys.js'
import type { Logger } from '../core/logger.js'
import { maxProxyBodyBytes } from '../proxy/body-limits.js'
import type { ApiProxy, ProxyCall } from '../proxy/proxy.js'
import type { ProxyAnswer } from '../proxy/proxy-answer.js'
import { proxyBodyOfNode } from '../proxy/proxy-body.js'
import { type ProxyTarget, proxyTarget } from '../proxy/proxy-target.js'
import { checkApiKey } from './middleware/api-key-auth.js'
import { type NodeRoute, writeJunctionError, writeThrown } from './node-routes.js'

export interface ProxyNodeRouteDeps {
  proxy: ApiProxy
  apiKeys: ApiKeys
  logger: Logger
}

const prefix = '/v1/proxy/'
const route = '/v1/proxy/:integration/*'
/** An integration segment the URL parser would resolve as a dot segment (`..`, `%2e.`): the app's to route. */
const dotSegment = /^(?:\.|%2e){1,2}$/i

export function proxyNodeRoute(deps: ProxyNodeRouteDeps): NodeRoute {
  return {
    prefix,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    handle(request, response) {
      const target = proxyTarget(request.url ?? '')
      // A backslash is a slash to the URL parser: such a path may resolve elsewhere, as the app decides.
      if (target.pathname.includes('\\')) return false
      if (target.integrationSegment === '' || dotSegment.test(target.integrationSegment)) return false
      void serve(deps, request, response, target)
      return true
    },
  }
}

async function serve(
  deps: ProxyNodeRouteDeps,
  request: IncomingMessage,
  response: ServerResponse,
  target: ProxyTarget,
): Promise<void> {
  const receivedAt = performance.now()
  const method = request.method ?? 'GET'
  try {
    const headers = request.headers
    // As the app: a declared body past the limit is refused before anything else, and never read.
    const declared = headers['content-length']
    if (declared !== undefined && Number(declared) > maxProxyBodyBytes) {
      writeJunctionError(response, tooLarge(), { connection: 'close' })
      return
    }
    // Node keeps the first of repeated Authorization headers; the app sees them joined, which no key matches.
    const authorization = authorizationCount(request.rawHeaders) > 1 ? undefined : headers.authorization
    const checked = await checkApiKey(deps.apiKeys, authorization, method, target.pathname)
    if ('refusal' in checked) {
      const { code, message, headers: refusalHeaders } = checked.refusal
      writeJunctionError(response, { code, message }, { ...refusalHeaders, ...closeIfUnread(request) })
      return
    }
    let body: ProxyCall['body']
    if (method !== 'GET' && method !== 'HEAD') {
      // The body is read within the call's budget; an invalid budget header is the proxy's to refuse, after.
      let budgetMs: number
      try {
        budgetMs = deps.proxy.budgetMs(headers)
      } catch {
        budgetMs = deps.proxy.budgetMs({})
      }
      const read = await proxyBodyOfNode(request, budgetMs)
      if (read.kind === 'aborted') return
      if (read.kind === 'too_large') {
        writeJunctionError(response, tooLarge(), { connection: 'close' })
        return
      }
      if (read.kind === 'timeout') {
        // Nothing was sent to the provider, and the rest of the body is not read: the connection closes.
        writeJunctionError(
          response,
          { code: 'timeout', message: `the request body did not arrive within the call's budget (${budgetMs} ms)` },
          { connection: 'close' },
        )
        return
      }
      body = read.body
    }
    // The caller going away aborts the call, and the provider's answer with it.
    const abort = new AbortController()
    const onClose = () => {
      if (!response.writableFinished) abort.abort()
    }
    response.once('close', onClose)
    const answer = await deps.proxy.forward({
      integration: target.integration,
      path: target.path,
      search: target.search,
      method,
      headers,
      receivedAt,
      body,
      signal: abort.signal,
    })
    write(request, response, answer)
  } catch (error) {
    if (response.headersSent) response.destroy()
    else writeThrown(response, error, deps.logger, { method, route })
  }
}

function tooLarge() {
  return { code: 'payload_too_large' as const, message: `the request body is larger than ${maxProxyBodyBytes} bytes` }
}

/** Writes the answer: bytes with their length, a stream as it comes (chunked), nothing for an empty one. */
function write(request: IncomingMessage, response: ServerResponse, answer: ProxyAnswer): void {
  const { status, headers, body } = answer
  // A body not read to its end (refused, or the call failed first) is not drained: the connection closes after.
  if (!request.complete && request.method !== 'GET' && request.method !== 'HEAD') headers.connection = 'close'
  if (response.destroyed) {
    if (body instanceof ReadableStream) body.cancel().catch(() => undefined)
    return
  }
  if (body === undefined || body instanceof Uint8Array) {
    if (body !== undefined) headers['content-length'] = String(body.byteLength)
    response.writeHead(status, headers)
    response.end(body)
    return
  }
  response.writeHead(status, headers)
  if (request.method === 'HEAD') {
    body.cancel().catch(() => undefined)
    response.end()
    return
  }
  void pump(body.getReader(), response)
}

/**
 * Copies the provider's body to the socket as it comes, at the pace the caller reads it. A body that fails (past
 * the size cap, the provider gone) cuts the caller's connection, its status having gone; a caller that goes away
 * cancels the body, which lets go of the provider's connection.
 */
async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, response: ServerResponse): Promise<void> {
  const onClose = () => {
    if (!response.writableFinished) reader.cancel().catch(() => undefined)
  }
  response.once('close', onClose)
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) {
        response.end()
        return
      }
      if (response.destroyed) return
      if (!response.write(next.value)) await drained(response)
    }
  } catch {
    response.destroy()
  } finally {
    response.off('close', onClose)
  }
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done)
      response.off('close', done)
      resolve()
    }
    response.on('drain', done)
    response.on('close', done)
  })
}

function authorizationCount(rawHeaders: readonly string[]): number {
  let count = 0
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'authorization') count++
  }
  return count
}

/** A body not read to its end is not drained after a refusal: the connection closes instead, as the app does. */
function closeIfUnread(request: IncomingMessage): Record<string, string> {
  return !request.complete && request.method !== 'GET' && request.method !== 'HEAD' ? { connection: 'close' } : {}
}
