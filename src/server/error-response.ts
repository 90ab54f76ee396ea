/** @module Turning any thrown value into Junction's one error shape, with the status from the one code table. */
import type { Context } from 'hono'
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
