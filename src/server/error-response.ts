/** @module Turning any thrown value into Junction's one error shape, with the status from the one code table. */
import type { Context } from 'hono'
import { TrieRouter } from 'hono/router/trie-router'
import { errorResponse, junctionErrorResponse } from '../core/error-response.js'
import { isJunctionError, statusForCode } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { databaseUnavailable, isDatabaseUnavailable } from '../storage/database-errors.js'

/**
 * The app's error handler. A JunctionError's message is written for callers; anything else is logged (redacted)
 * and answered with a generic 500, so no stack, driver message or secret reaches a response.
 */
export function handleError(logger: Logger) {
  return (error: unknown, c: Context): Response => {
    if (isJunctionError(error)) {
      // The route pattern, not the path: a path can hold a secret (a connect link's token).
      if (statusForCode(error.code) >= 500) logger.error({ err: error, route: c.req.routePath }, 'request failed')
      return junctionErrorResponse(error)
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: error, route: c.req.routePath }, 'the database is not answering')
      return junctionErrorResponse(databaseUnavailable(error))
    }
    logger.error({ err: error, method: c.req.method, route: c.req.routePath }, 'unexpected error')
    return errorResponse('internal_error', 'Junction failed to handle this request; the error was logged')
  }
}

export function notFound(c: Context): Response {
  return errorResponse('not_found', `no route for ${c.req.method} ${c.req.path}`)
}

/**
 * The methods a path is served with, from the app's own routes (read at the first call, once all are registered;
 * middleware, registered for `ALL`, is not a route). `HEAD` comes with `GET`, which answers it.
 */
export function allowedMethods(routes: ReadonlyArray<{ method: string; path: string }>): (path: string) => string[] {
  let router: TrieRouter<true> | undefined
  return (path) => {
    if (router === undefined) {
      router = new TrieRouter<true>()
      for (const route of routes) if (route.method !== 'ALL') router.add(route.method, route.path, true)
    }
    const served = router
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter(
      (method) => served.match(method, path)[0].length > 0,
    )
    return methods.includes('GET') ? ['GET', 'HEAD', ...methods.slice(1)] : methods
  }
}

/** A wrong method on a path that exists: 405, with the path's methods in `Allow` (RFC 9110 §15.5.6). */
export function methodNotAllowed(c: Context, methods: readonly string[]): Response {
  return errorResponse(
    'method_not_allowed',
    `${c.req.method} is not served at ${c.req.path}; it answers ${methods.join(', ')}`,
    { allow: methods.join(', ') },
  )
}
