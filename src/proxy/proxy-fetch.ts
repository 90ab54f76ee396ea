/**
 * @module `junction.fetch()`: a call to a provider's API through the same proxy as `/v1/proxy` (docs/http-api.md,
 * "Proxy rules"): the connection's credentials, rate limit, retries, circuit breaker and a call-log row. The answer is
 * a web `Response`: the provider's, or Junction's own error JSON with a `Junction-Error` header, as over HTTP.
 */
import type { Readable } from 'node:stream'
import { junctionErrorResponse } from '../core/error-response.js'
import { isJunctionError, JunctionError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { ApiProxy } from './proxy.js'
import { responseOf } from './proxy-answer.js'
import { knownBodyLength, proxyBody } from './proxy-body.js'
import { headersOfRequest } from './proxy-headers.js'

/**
 * Calls `path` (with its query) under the integration's `api.baseUrl`, as `userId` (`null` for app-level
 * integrations). `Junction-Timeout-Ms` and `Junction-Retries` in `init.headers` work as over HTTP; `Authorization`
 * and the provider's auth header are never sent as given (Junction sets the connection's credentials).
 * @example await junction.fetch('slack', 'u_1', '/chat.postMessage', { method: 'POST', body })
 */
export type JunctionFetch = (
  integration: string,
  userId: string | null | undefined,
  path: string,
  init?: RequestInit,
) => Promise<Response>

export function createLibraryFetch(deps: { proxy: ApiProxy; logger: Logger }): JunctionFetch {
  return async (integration, userId, path, init = {}) => {
    try {
      const { pathname, search } = splitTarget(path)
      const { method, headers, body, length } = await describe(init)
      // The user is an argument here, never a header the caller could have left in `init`.
      delete headers['junction-user-id']
      if (userId !== null && userId !== undefined) headers['junction-user-id'] = userId
      if (length !== undefined) headers['content-length'] = String(length)
      const answer = await deps.proxy.forward({
        integration,
        path: pathname,
        search,
        method,
        headers,
        body,
        signal: init.signal ?? undefined,
      })
      return responseOf(answer)
    } catch (error) {
      if (isJunctionError(error)) return failureResponse(error)
      // Not Junction's own error (a bug): logged, and answered as the HTTP API would.
      deps.logger.error({ err: error, integration }, 'a library call failed')
      return failureResponse(
        new JunctionError('internal_error', 'Junction failed to make this call; the error was logged'),
      )
    }
  }
}

/** Junction's own failure as the HTTP proxy answers it: its error JSON and `Junction-Error`. */
export function failureResponse(error: JunctionError): Response {
  return junctionErrorResponse(error, { 'junction-error': error.code })
}

/** `/items?page=2#top` → `/items` and `?page=2` (a fragment is never sent). */
function splitTarget(path: string): { pathname: string; search: string } {
  if (typeof path !== 'string' || !(path === '' || path.startsWith('/'))) {
    throw new JunctionError('invalid_path', 'a path starts with / and is joined under the API base URL, e.g. /users')
  }
  const hash = path.indexOf('#')
  const target = hash === -1 ? path : path.slice(0, hash)
  const questionMark = target.indexOf('?')
  return questionMark === -1
    ? { pathname: target, search: '' }
    : { pathname: target.slice(0, questionMark), search: target.slice(questionMark) }
}

/**
 * The method, headers and body of `init`. Without a body (most calls) they are checked as `fetch()` checks them,
 * with no `Request` built; with one, a `Request` settles the body's content type as `fetch()` would.
 */
async function describe(init: RequestInit): Promise<{
  method: string
  headers: Record<string, string>
  body: Uint8Array | Readable | undefined
  length: number | undefined
}> {
  if (init.body === undefined || init.body === null) {
    const method = (init.method ?? 'GET').toUpperCase()
    if (!methodPattern.test(method) || forbiddenMethods.has(method)) throw invalidInit()
    let headers: Record<string, string>
    try {
      headers = init.headers === undefined ? {} : headersOfRequest(new Headers(init.headers))
    } catch {
      throw invalidInit()
    }
    return { method, headers, body: undefined, length: undefined }
  }
  const request = requestOf(init)
  const { body, length } = await proxyBody(request, knownBodyLength(init.body))
  return { method: request.method, headers: headersOfRequest(request.headers), body, length }
}

/** An HTTP method is a token (RFC 9110 §9.1); `fetch()` refuses these three. */
const methodPattern = /^[!#$%&'*+\-.^_`|~0-9A-Z]+$/
const forbiddenMethods = new Set(['CONNECT', 'TRACE', 'TRACK'])

function invalidInit(): JunctionError {
  // The runtime's message may quote a header value, which may be a secret: say only what was wrong.
  return new JunctionError('invalid_request', 'init is not a valid request (its method, headers or body)')
}

/** The init as a `Request`, which settles the method and the body's content type as `fetch()` would. */
function requestOf(init: RequestInit): Request {
  try {
    return new Request('http://junction.invalid/', {
      ...init,
      method: (init.method ?? 'GET').toUpperCase(),
      signal: null,
      ...(init.body === undefined || init.body === null ? {} : { duplex: 'half' }),
    } as RequestInit)
  } catch {
    throw invalidInit()
  }
}
