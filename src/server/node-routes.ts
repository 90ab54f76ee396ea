/**
 * @module Routes served on Node's own `IncomingMessage`/`ServerResponse`, ahead of the Hono app, for the hot paths
 * where building a web `Request`, `Headers`, stream and `Response` per request costs more than the work itself (the
 * webhook inbox; measured in BENCHMARKS.md, "Webhooks in, events out"). The app keeps its own route for the same
 * path, which `app.request()` and the library's `handle()` serve: a Node route is a faster way to the same answers on
 * a socket, so it answers exactly as that route does (status, headers, error shape) and leaves anything else (another
 * method, a path it does not take) to the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Hono } from 'hono'
import { errorHeaders } from '../core/error-response.js'
import {
  errorBody,
  isJunctionError,
  type JunctionError,
  type JunctionErrorCode,
  statusForCode,
} from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { readNodeBodyStart } from '../core/node-body.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../storage/database-errors.js'
import type { WebhookHeaders } from '../webhooks/types.js'

export interface NodeRoute {
  /** The path prefix the route takes (`/webhooks/`); the query string is not part of it. */
  readonly prefix: string
  /** The methods it takes (upper case); any other goes on to the app. */
  readonly methods: readonly string[]
  /**
   * Answers the request and returns `true`, or returns `false` at once, having read nothing, to leave the request
   * to the app (a path under the prefix that the route does not serve, say).
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean
}

const routesByApp = new WeakMap<Hono, readonly NodeRoute[]>()

/** Attaches Node routes to an app, for {@link listen} to serve ahead of it; answers the app. */
export function withNodeRoutes(app: Hono, routes: readonly NodeRoute[]): Hono {
  if (routes.length > 0) routesByApp.set(app, [...(routesByApp.get(app) ?? []), ...routes])
  return app
}

export function nodeRoutesOf(app: Hono): readonly NodeRoute[] {
  return routesByApp.get(app) ?? []
}

/** Hands the request to the first route that takes it; `false` when none did (the app answers). */
export function dispatchNodeRoute(
  routes: readonly NodeRoute[],
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  const url = request.url ?? ''
  const method = request.method ?? ''
  for (const route of routes) {
    if (url.startsWith(route.prefix) && route.methods.includes(method) && route.handle(request, response)) return true
  }
  return false
}

/** The path and the query string (`?a=1`, or empty) of a request-target in origin form (`/a/b?a=1`). */
export function splitTarget(url: string): { path: string; search: string } {
  const query = url.indexOf('?')
  if (query === -1) return { path: url, search: '' }
  // Normalised as a URL's `search` is (`?` alone is empty, unsafe characters escaped), as the app's route sees it.
  return { path: url.slice(0, query), search: new URL(url.slice(query), 'http://localhost').search }
}

/**
 * Every header with its repeated copies kept apart (Node's `rawHeaders`), so that a signature header sent twice is
 * seen as sent twice. No prototype: a header named `__proto__` is a header like any other.
 */
export function rawHeaderRecord(rawHeaders: readonly string[]): WebhookHeaders {
  const headers: Record<string, string[]> = Object.create(null)
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = String(rawHeaders[index]).toLowerCase()
    headers[name] ??= []
    headers[name].push(String(rawHeaders[index + 1]))
  }
  return headers
}

export type BodyRead = { kind: 'body'; body: Buffer } | { kind: 'too_large' } | { kind: 'aborted' }

/**
 * The request's body, up to `maxBytes`. A declared length past it is `too_large` before a byte is read; a chunked
 * body is read until it passes it, then reading stops (the answer then closes the connection rather than drain it).
 */
export function readBodyUpTo(request: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = request.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.resolve({ kind: 'too_large' })
  return readNodeBodyStart(request, { wholeUpTo: maxBytes }).then((start): BodyRead => {
    if (start.kind === 'whole') return { kind: 'body', body: start.body }
    if (start.kind === 'more') return { kind: 'too_large' }
    // No deadline is given here: Node's own request timeout bounds the read.
    return { kind: 'aborted' }
  })
}

/** Writes a JSON answer with its length. */
export function writeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** Junction's one error shape, with the same headers as the app's (`Junction-Error`, `Retry-After` when known). */
export function writeJunctionError(
  response: ServerResponse,
  error: JunctionError | { code: JunctionErrorCode; message: string; retryAfterSeconds?: number | undefined },
  headers: Readonly<Record<string, string>> = {},
): void {
  writeJson(
    response,
    statusForCode(error.code),
    errorBody(error.code, error.message),
    errorHeaders(error.code, error.retryAfterSeconds, headers),
  )
}

/**
 * Answers a thrown value as the app's error handler does: a JunctionError as itself, the database away as 503
 * `unavailable`, anything else logged and answered with a generic 500, so no stack or driver message gets out.
 */
export function writeThrown(
  response: ServerResponse,
  error: unknown,
  logger: Logger,
  { method, route }: { method: string; route: string },
): void {
  if (isJunctionError(error)) {
    if (statusForCode(error.code) >= 500) logger.error({ err: error, route }, 'request failed')
    writeJunctionError(response, error)
  } else if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error, route }, 'the database is not answering')
    writeJunctionError(response, databaseUnavailable(error))
  } else {
    logger.error({ err: error, method, route }, 'unexpected error')
    writeJunctionError(response, {
      code: 'internal_error',
      message: 'Junction failed to handle this request; the error was logged',
    })
  }
}
