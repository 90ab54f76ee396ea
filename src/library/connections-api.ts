/**
 * @module `junction.connections`: the `/v1/connections` API as functions (docs/library.md, "connections"), on the
 * same connection service as the routes, with the same input checks. Token reads are logged in the call log by the
 * service itself.
 */
import { z } from 'zod'
import type { Connection, ConnectionStatus } from '../connections/connection-view.js'
import type { AccessToken, ConnectionService, ImportedCredentials } from '../connections/connections.js'
import { connectionFilters, connectionImportSchema } from '../server/api-schemas.js'
import { validate } from '../server/request-input.js'
import { defaultPageSize, maxPageSize, type Page } from '../storage/cursor.js'

export interface ConnectionFilter {
  integration?: string | undefined
  userId?: string | undefined
  status?: ConnectionStatus | undefined
  /** @default 50 (at most 500) */
  limit?: number | undefined
  /** `nextCursor` of the page before. */
  cursor?: string | undefined
}

export interface JunctionConnections {
  /**
   * Stores credentials obtained elsewhere (nothing is checked against the provider), replacing the user's connection
   * to that integration if there is one. `api_key`: `{apiKey}`; `basic`: `{username, password}`; `oauth2`:
   * `{accessToken, refreshToken?, expiresAt?, scopes?, metadata?}`.
   */
  import(input: { integration: string; userId: string; credentials: ImportedCredentials }): Promise<Connection>
  /** A page of connections, oldest first: `{data, nextCursor}`. */
  list(filter?: ConnectionFilter): Promise<Page<Connection>>
  /** Throws `connection_not_found` when there is none. */
  get(integration: string, userId: string): Promise<Connection>
  /** A valid access token, refreshed first when near expiry (for a provider's own SDK); each read is logged. */
  token(integration: string, userId: string): Promise<AccessToken>
  /** Forces a refresh. */
  refresh(integration: string, userId: string): Promise<Connection>
  /** Revokes at the provider when it can, and forgets the secrets. */
  delete(integration: string, userId: string): Promise<void>
}

const listSchema = z.strictObject({
  ...connectionFilters,
  limit: z.number().int().min(1).max(maxPageSize).optional(),
  cursor: z.string().min(1).max(200).optional(),
})

export function libraryConnections(service: ConnectionService): JunctionConnections {
  return {
    async import(input) {
      const checked = validate(connectionImportSchema, input, 'input')
      return (await service.import(checked)).connection
    },
    list(filter = {}) {
      const { limit, cursor, integration, userId, status } = validate(listSchema, filter, 'filter')
      return service.list({ limit: limit ?? defaultPageSize, cursor, integration, userId, status })
    },
    get: (integration, userId) => service.get(integration, userId),
    token: (integration, userId) => service.token(integration, userId),
    refresh: (integration, userId) => service.refresh(integration, userId),
    delete: (integration, userId) => service.delete(integration, userId),
  }
}
