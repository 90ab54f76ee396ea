/**
 * @module The connect flow: a one-time link for the end user's browser, the redirect to the provider with `state`
 * and PKCE, and the callback that checks everything and stores the tokens. Failures never create a connection.
 * @see RFC 6749 §10.12 (CSRF and state), RFC 7636 (PKCE), RFC 9207 (iss), docs/security.md, "Connect flow"
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { type ResolvedIntegration, requireIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import { isUserId, newRowId } from '../core/ids.js'
import type { HttpClient } from '../http/client.js'
import { buildAuthorizeUrl } from '../oauth/authorize-url.js'
import { createPkce } from '../oauth/pkce.js'
import { isAllowedReturnUrl } from '../oauth/return-url.js'
import { callTokenEndpoint } from '../oauth/token-endpoint.js'
import { safeErrorCode } from '../oauth/token-response.js'
import {
  type ConnectSessionRow,
  consumeById,
  consumeByState,
  findOpenSessionByToken,
  insertConnectSession,
  startFlow,
} from '../storage/connect-sessions-store.js'
import type { Schema } from '../storage/schema.js'
import type { Vault } from '../vault/vault.js'
import { isAppLevel } from './app-credentials.js'
import type { ConnectionService, ImportedCredentials } from './connections.js'

/** The parameters of a provider's redirect that the callback reads. */
const callbackParameters = ['state', 'code', 'iss', 'error'] as const

export interface ConnectFlowOptions {
  publicUrl: string
  allowedReturnUrls: readonly string[]
  /** @default 600_000 (10 minutes) */
  sessionTtlMs: number
  /** @default 20_000 */
  tokenTimeoutMs: number
}

/**
 * The browser binding: a value for a cookie whose name ends in `cookie` (one per connect session, so that two
 * flows in one browser do not undo each other).
 */
export type LinkOutcome =
  | { kind: 'redirect'; location: string; browserValue: string; cookie: string }
  | {
      kind: 'form'
      integration: ResolvedIntegration
      /** The fields the form asks for; `submitCredentials` reads the same. */
      fields: readonly CredentialField[]
      browserValue: string
      cookie: string
    }

/** A field of the credentials form of an API-key or basic integration. */
export interface CredentialField {
  name: 'apiKey' | 'username' | 'password'
  label: string
  type: 'text' | 'password'
}

const credentialFields = {
  api_key: [{ name: 'apiKey', label: 'API key', type: 'password' }],
  basic: [
    { name: 'username', label: 'Username', type: 'text' },
    { name: 'password', label: 'Password', type: 'password' },
  ],
} as const satisfies Record<string, readonly CredentialField[]>

/** Reads the binding cookie of a session, by the suffix of its name. */
export type BindingReader = (cookie: string) => string | undefined

export interface FlowResult {
  ok: boolean
  /** Junction's or the provider's error code, when not ok. */
  error: string | undefined
  integration: string | undefined
  returnUrl: string | null
  /** The binding cookie to clear: set only when the browser proved it held it. */
  cookie: string | undefined
}

export interface ConnectFlow {
  createSession(input: {
    integration: string
    userId: string
    returnUrl?: string | undefined
  }): Promise<{ url: string; expiresAt: string }>
  openLink(token: string): Promise<LinkOutcome>
  /** The provider's redirect back; `query` holds every value of each parameter, as the URL had them. */
  callback(query: Record<string, readonly string[]>, binding: BindingReader): Promise<FlowResult>
  submitCredentials(token: string, binding: BindingReader, fields: Record<string, string>): Promise<FlowResult>
  readonly redirectUri: string
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex')
/** The suffix of a session's binding cookie: part of its id, which is no secret. */
const cookieOf = (session: ConnectSessionRow) => session.id.slice(0, 8)
const randomValue = () => randomBytes(32).toString('base64url')

export function createConnectFlow(deps: {
  db: Kysely<Schema>
  vault: Vault
  http: HttpClient
  integrations: ReadonlyMap<string, ResolvedIntegration>
  connections: ConnectionService
  options: ConnectFlowOptions
}): ConnectFlow {
  const { db, vault, options } = deps
  const redirectUri = `${options.publicUrl}/oauth/callback`
  const verifierContext = (id: string) => ({ table: 'connect_sessions', rowId: id, column: 'pkce_verifier' })
  const integrationOf = (id: string) => requireIntegration(deps.integrations, id)
  const failed = (error: string, session?: ConnectSessionRow, bound = false): FlowResult => ({
    ok: false,
    error,
    integration: session?.integration,
    returnUrl: session?.return_url ?? null,
    cookie: bound && session !== undefined ? cookieOf(session) : undefined,
  })
  const succeeded = (session: ConnectSessionRow): FlowResult => ({
    ok: true,
    error: undefined,
    integration: session.integration,
    returnUrl: session.return_url,
    cookie: cookieOf(session),
  })
  const boundTo = (session: ConnectSessionRow, binding: BindingReader) => {
    const value = binding(cookieOf(session))
    return value !== undefined && session.browser_hash === sha256(value)
  }

  return {
    redirectUri,

    async createSession({ integration, userId, returnUrl }) {
      const resolved = integrationOf(integration)
      if (isAppLevel(resolved)) {
        throw new JunctionError(
          'invalid_request',
          `integration ${integration} is app-level: it has no end-user connections`,
        )
      }
      if (!isUserId(userId)) throw new JunctionError('invalid_request', 'userId: not a valid user id')
      if (returnUrl !== undefined && !isAllowedReturnUrl(returnUrl, options.allowedReturnUrls)) {
        throw new JunctionError('invalid_request', 'returnUrl does not match any entry of allowedReturnUrls')
      }
      const token = randomValue()
      const session = await insertConnectSession(db, {
        id: newRowId(),
        tokenHash: sha256(token),
        integration,
        userId,
        returnUrl: returnUrl ?? null,
        ttlMs: options.sessionTtlMs,
      })
      return { url: `${options.publicUrl}/connect/${token}`, expiresAt: session.expires_at.toISOString() }
    },

    async openLink(token) {
      const session = await findOpenSessionByToken(db, sha256(token))
      if (session === undefined)
        throw new JunctionError('invalid_state', 'this connect link has expired or was already used')
      const integration = integrationOf(session.integration)
      const browserValue = randomValue()
      if (integration.definition.auth.type !== 'oauth2') {
        await startFlow(db, session.id, {
          stateHash: sha256(randomValue()),
          browserHash: sha256(browserValue),
          pkceVerifier: null,
        })
        const fields = integration.definition.auth.type === 'basic' ? credentialFields.basic : credentialFields.api_key
        return { kind: 'form', integration, fields, browserValue, cookie: cookieOf(session) }
      }
      const state = randomValue()
      const pkce = integration.definition.auth.pkce ? createPkce() : undefined
      await startFlow(db, session.id, {
        stateHash: sha256(state),
        browserHash: sha256(browserValue),
        pkceVerifier: pkce === undefined ? null : vault.seal(pkce.verifier, verifierContext(session.id)),
      })
      const location = buildAuthorizeUrl(integration, { redirectUri, state, codeChallenge: pkce?.challenge })
      return { kind: 'redirect', location: location.toString(), browserValue, cookie: cookieOf(session) }
    },

    async callback(all, binding) {
      // RFC 6749 §3.1: no parameter twice. With two, the one checked (state, iss) need not be the one another
      // reader would take: the callback is refused before any session is touched.
      if (callbackParameters.some((name) => (all[name]?.length ?? 0) > 1)) return failed('invalid_request')
      const query = Object.fromEntries(callbackParameters.map((name) => [name, all[name]?.[0]]))
      if (query.state === undefined || query.state === '') return failed('invalid_state')
      const session = await consumeByState(db, sha256(query.state))
      if (session === undefined) return failed('invalid_state')
      if (session.expires_at.getTime() <= Date.now()) return failed('invalid_state', session)
      // Only the browser that opened the link last may finish the flow (login CSRF, session fixation).
      if (!boundTo(session, binding)) return failed('invalid_state', session)
      const integration = deps.integrations.get(session.integration)
      if (integration === undefined || integration.definition.auth.type !== 'oauth2') {
        return failed('invalid_state', session, true)
      }
      const issuer = integration.definition.auth.issuer
      if (issuer !== undefined && query.iss !== issuer) return failed('invalid_state', session, true)
      if (query.error !== undefined) return failed(safeErrorCode(query.error, 'provider_error'), session, true)
      if (query.code === undefined || query.code === '') return failed('invalid_request', session, true)
      const codeVerifier =
        session.pkce_verifier === null ? undefined : vault.open(session.pkce_verifier, verifierContext(session.id))
      const outcome = await callTokenEndpoint(
        deps.http,
        integration,
        { type: 'authorization_code', code: query.code, redirectUri, codeVerifier },
        { timeoutMs: options.tokenTimeoutMs },
      ).catch((error: unknown) => ({ ok: false as const, error: errorCode(error), status: 0 }))
      if (!outcome.ok) return failed(safeErrorCode(outcome.error, 'provider_error'), session, true)
      await deps.connections.saveTokens(session.integration, session.user_id, outcome.tokens)
      return succeeded(session)
    },

    async submitCredentials(token, binding, fields) {
      const session = await findOpenSessionByToken(db, sha256(token))
      if (session === undefined) return failed('invalid_state')
      if (!boundTo(session, binding)) return failed('invalid_state', session)
      const integration = integrationOf(session.integration)
      const type = integration.definition.auth.type
      // The fields its form asked for, each given and of a sane size.
      const values: Record<string, string> | undefined =
        type === 'api_key' || type === 'basic'
          ? Object.fromEntries(credentialFields[type].map((field) => [field.name, fields[field.name] ?? '']))
          : undefined
      if (values === undefined || Object.values(values).some((value) => value === '' || value.length > 10_000)) {
        return failed('invalid_request', session, true)
      }
      if ((await consumeById(db, session.id)) === undefined) return failed('invalid_state', session)
      await deps.connections.import({
        integration: session.integration,
        userId: session.user_id,
        credentials: values as ImportedCredentials,
      })
      return succeeded(session)
    },
  }
}

function errorCode(error: unknown): string {
  return error instanceof JunctionError ? error.code : 'provider_error'
}
