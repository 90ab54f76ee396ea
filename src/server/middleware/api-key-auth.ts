/**
 * @module Bearer API keys on `/v1/*` and `/metrics`. Nothing else authenticates there (no cookie), and every refusal
 * (no header, a malformed, unknown or revoked key) gets the same body, so a caller learns nothing about which it was.
 * A valid key outside its scope (api-key-scope.ts) is refused with 403 `forbidden`.
 */
import type { MiddlewareHandler } from 'hono'
import type { ApiKeyInfo, ApiKeys } from '../../api-keys/api-keys.js'
import { errorResponse } from '../../core/error-response.js'
import type { JunctionErrorCode } from '../../core/errors.js'
import { scopeAllows, scopeReach } from './api-key-scope.js'

export type ApiKeyVariables = { apiKey: ApiKeyInfo }

const bearerPattern = /^Bearer ([^\s]+)$/

export interface ApiKeyRefusal {
  code: Extract<JunctionErrorCode, 'unauthorized' | 'forbidden'>
  message: string
  headers: Record<string, string>
}

/**
 * The one check of a request's API key, for the app's middleware and the routes served on Node's own request
 * (the proxy's hot path): the key it presents, verified, and allowed by its scope to make this call.
 */
export async function checkApiKey(
  apiKeys: ApiKeys,
  authorization: string | undefined,
  method: string,
  path: string,
): Promise<{ key: ApiKeyInfo } | { refusal: ApiKeyRefusal }> {
  const presented = bearerPattern.exec(authorization ?? '')?.[1]
  const key = presented === undefined ? undefined : await apiKeys.verify(presented)
  if (key === undefined) {
    const message = 'a valid API key is required as Authorization: Bearer <key>'
    return { refusal: { code: 'unauthorized', message, headers: { 'www-authenticate': 'Bearer' } } }
  }
  if (key.scope !== 'admin' && !scopeAllows(key.scope, method, path)) {
    const message = `this API key's scope does not allow this call: ${scopeReach[key.scope]}`
    return { refusal: { code: 'forbidden', message, headers: {} } }
  }
  return { key }
}

export function apiKeyAuth(apiKeys: ApiKeys): MiddlewareHandler<{ Variables: ApiKeyVariables }> {
  return async (c, next) => {
    const checked = await checkApiKey(apiKeys, c.req.header('authorization'), c.req.method, c.req.path)
    if ('refusal' in checked) {
      const { code, message, headers } = checked.refusal
      return errorResponse(code, message, headers)
    }
    c.set('apiKey', checked.key)
    await next()
    return undefined
  }
}
