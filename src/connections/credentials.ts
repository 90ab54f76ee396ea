/** @module What a connection keeps sealed in `connections.credentials`, and how it is sealed and opened. */
import type { StandardTokenResponse } from '../providers/provider.js'
import type { SealContext, Vault } from '../vault/vault.js'

export type StoredCredentials =
  | {
      kind: 'oauth2'
      accessToken: string
      refreshToken: string | undefined
      tokenType: string
      /** The token endpoint's last answer (it may hold more tokens, such as Slack's user token). */
      raw: StandardTokenResponse | undefined
    }
  | { kind: 'api_key'; apiKey: string }
  | { kind: 'basic'; username: string; password: string }

export function credentialsContext(rowId: string): SealContext {
  return { table: 'connections', rowId, column: 'credentials' }
}

export function sealCredentials(vault: Vault, rowId: string, credentials: StoredCredentials): string {
  return vault.sealJson(credentials, credentialsContext(rowId))
}

export function openCredentials(vault: Vault, rowId: string, sealed: string): StoredCredentials {
  return vault.openJson<StoredCredentials>(sealed, credentialsContext(rowId))
}
