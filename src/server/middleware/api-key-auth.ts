/**
 * @module Bearer API keys on `/v1/*` and `/metrics`. Nothing else authenticates there (no cookie), and every refusal
 * (no header, a malformed, unknown or revoked key) gets the same body, so a caller learns nothing about which it was.
 * A valid key outside its scope (api-key-scope.ts) is refused with 403 `forbidden`.
 */
import type { MiddlewareHandler } from 'hono'
import type { ApiKeyInfo, ApiKeys } from '../../api-keys/api-keys.js'
import { errorResponse } from '../../core/error-response.js'
import { scopeAllows, scopeReach } from './api-key-scope.js'

export type ApiKeyVariables = { apiKey: ApiKeyInfo }

const bearerPattern = /^Bearer ([^\s]+)$/

export function apiKeyAuth(apiKeys: ApiKeys): MiddlewareHandler<{ Variables: ApiKeyVariables }> {
  return async (c, next) => {
    const presented = bearerPattern.exec(c.req.header('authorization') ?? '')?.[1]
    const apiKey = presented === undefined ? undefined : await apiKeys.verify(presented)
    if (apiKey === undefined) {
      return errorResponse('unauthorized', 'a valid API key is required as Authorization: Bearer <key>', {
        'www-authenticate': 'Bearer',
      })
    }
    if (apiKey.scope !== 'admin' && !scopeAllows(apiKey.scope, c.req.method, c.req.path)) {
      return errorResponse('forbidden', `this API key's scope does not allow this call: ${scopeReach[apiKey.scope]}`)
    }
    c.set('apiKey', apiKey)
    await next()
    return undefined
  }
}
