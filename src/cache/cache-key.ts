/**
 * @module The key of a cached answer: the integration, the connection (its row id, so that one user's answers never
 * serve another, and a reconnect starts afresh) or, for an app-level integration, a fingerprint of the app's
 * credential (so that a changed credential starts afresh), the method and the full URL sent to the provider, hashed
 * (SHA-256) so that no path or query is written to a store as it is.
 */
import { createHash } from 'node:crypto'

export interface CacheKeyParts {
  integration: string
  /** The connection's row id, or {@link appCacheScope} for an app-level integration. */
  connection: string
  method: string
  /** The provider's URL as the call is sent (path and query), before the credential is applied. */
  url: string
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.integration, parts.connection, parts.method, parts.url]))
    .digest('hex')
}

/**
 * An app-level integration's part of the key: `app:` and the SHA-256 of what identifies its credential (the API key,
 * or the client id for client credentials, whose tokens change on their own), never the value itself.
 */
export function appCacheScope(credentialIdentity: string): string {
  return `app:${createHash('sha256').update(credentialIdentity).digest('hex')}`
}
