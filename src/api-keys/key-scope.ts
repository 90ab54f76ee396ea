/**
 * @module What an API key may call (docs/http-api.md, "API keys"): `admin` everything, `read` only reads under `/v1`,
 * `metrics` only `/metrics`. Which route each scope reaches is the server's table (server/middleware/api-key-scope.ts).
 */
import type { Selectable } from 'kysely'
import type { ApiKeysTable } from '../storage/schema.js'

export type ApiKeyScope = Selectable<ApiKeysTable>['scope']

/** Every scope, the default first. */
export const apiKeyScopes = ['admin', 'read', 'metrics'] as const satisfies readonly ApiKeyScope[]

/** @default 'admin': a key made without naming a scope does everything, as every key did before scopes. */
export const defaultApiKeyScope: ApiKeyScope = 'admin'

export function isApiKeyScope(text: unknown): text is ApiKeyScope {
  return (apiKeyScopes as readonly unknown[]).includes(text)
}
