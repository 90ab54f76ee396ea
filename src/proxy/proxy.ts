/**
 * @module The proxy: a call to a provider's API made as one of the app's users (or as the app, for app-level
 * integrations), with that connection's credentials, its rate limit, retries by the idempotency rules, one forced
 * refresh on an unexpected 401, and a call-log row. The rules are CONTRACT.md §3 "Proxy rules".
 */
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { isAppLevel } from '../connections/app-credentials.js'
import { errorResponse } from '../core/error-response.js'
import { isJunctionError, JunctionError, type JunctionErrorCode } from '../core/errors.js'
import { isUserId } from '../core/ids.js'
import { redactText } from '../core/redact.js'
import { createHttpClient, type HttpClient } from '../http/client.js'
import type { EgressPolicy } from '../http/egress.js'
import { isHttpError } from '../http/http-error.js'
import { createRateLimiter } from '../http/rate-limit/rate-limiter.js'
import { buildRequestUrl } from '../http/request-url.js'
import type { ConnectionServices } from '../hub/connection-services.js'
import type { ResolvedIntegration } from '../providers/resolve-integration.js'
import { insertCallLog } from '../storage/api-logs-store.js'
import type { Schema } from '../storage/schema.js'
import { applyCredential, authPlacement, type UsableCredential } from './apply-credentials.js'
import { providerBaseUrl } from './provider-base-url.js'
import { headersForCaller, headersForProvider } from './proxy-headers.js'

export interface ProxyCall {
  integration: string
  /** The path after `/v1/proxy/:integration`, percent-encoded as it came. */
  path: string
  /** The query, with its `?`, as it came. */
  search: string
  method: string
  headers: Headers
  body: Uint8Array | undefined
}

export interface ProxyOptions {
  egress: EgressPolicy
  /** @default 60_000 */
  defaultBudgetMs?: number
  /** @default 10 MiB */
  maxResponseBytes?: number
}

/** Error bodies up to this size are read so that a token the provider echoes can be scrubbed. */
const scrubbedErrorBytes = 64 * 1024
const maxBudgetMs = 300_000

export interface ApiProxy {
  forward(call: ProxyCall): Promise<Response>
  close(): Promise<void>
}

export function createProxy(deps: {
  services: ConnectionServices
  db: Kysely<Schema>
  options: ProxyOptions
}): ApiProxy {
  const clients = new Map<string, HttpClient>()

  const clientFor = (integration: ResolvedIntegration): HttpClient => {
    let client = clients.get(integration.id)
    if (client === undefined) {
      const { rateLimit, idempotency } = integration.definition
      client = createHttpClient({
        egress: deps.options.egress,
        maxResponseBytes: deps.options.maxResponseBytes ?? 10 * 1024 * 1024,
        rateLimit: { limiter: createRateLimiter(rateLimit ?? {}), key: integration.id },
        ...(idempotency === undefined ? {} : { idempotency }),
      })
      clients.set(integration.id, client)
    }
    return client
  }

  async function credentialFor(integration: ResolvedIntegration, userId: string | undefined, force: boolean) {
    if (isAppLevel(integration)) {
      const credential = await deps.services.appCredentials.get(integration)
      const usable: UsableCredential =
        credential.kind === 'api_key'
          ? { kind: 'api_key', apiKey: credential.apiKey }
          : { kind: 'oauth2', accessToken: credential.accessToken }
      return { usable, metadata: {}, rateKey: integration.id }
    }
    if (userId === undefined)
      throw new JunctionError('missing_user_id', `calls to ${integration.id} name a user with Junction-User-Id`)
    if (!isUserId(userId)) throw new JunctionError('invalid_request', 'Junction-User-Id is not a valid user id')
    const { credentials, metadata } = await deps.services.connections.credentialsForUse(integration.id, userId, force)
    const usable: UsableCredential =
      credentials.kind === 'oauth2' ? { kind: 'oauth2', accessToken: credentials.accessToken } : credentials
    const perConnection = (integration.definition.rateLimit?.per ?? 'connection') === 'connection'
    return { usable, metadata, rateKey: perConnection ? `${integration.id}:${userId}` : integration.id }
  }

  /** One call to the provider. `holdSecret` learns the credential before the call, to scrub an echo of it. */
  async function send(
    call: ProxyCall,
    integration: ResolvedIntegration,
    userId: string | undefined,
    options: { force: boolean; budgetMs: number; retries: boolean; holdSecret: (secret: string) => void },
  ) {
    const { usable, metadata, rateKey } = await credentialFor(integration, userId, options.force)
    const placement = authPlacement(integration.definition.auth)
    const base = providerBaseUrl(integration.definition.api, metadata)
    const url = buildRequestUrl(base, `${call.path === '' ? '/' : call.path}${call.search}`)
    // The caller may not set the parameter the provider's auth style uses: Junction sets it.
    if (placement.query !== undefined) url.searchParams.delete(placement.query)
    const headers = headersForProvider(call.headers, placement.header)
    applyCredential(integration.definition.auth, usable, url, headers)
    options.holdSecret(
      usable.kind === 'oauth2' ? usable.accessToken : usable.kind === 'api_key' ? usable.apiKey : usable.password,
    )
    return clientFor(integration).request<Uint8Array>({
      method: call.method,
      path: url.toString(),
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      raw: true,
      deadlineMs: options.budgetMs,
      rateLimitKey: rateKey,
      ...(options.retries ? {} : { retry: false as const }),
    })
  }

  async function forward(call: ProxyCall): Promise<Response> {
    const requestId = randomUUID()
    const started = performance.now()
    const integration = deps.services.integrations.get(call.integration)
    const userId = call.headers.get('junction-user-id') ?? undefined
    let status: number | null = null
    let attempts = 1
    let errorCode: string | null = null
    let secret: string | undefined
    /** Attempts spent before the forced refresh, when there was one. */
    let earlierAttempts = 0
    try {
      if (integration === undefined)
        throw new JunctionError('integration_not_found', `no integration is named ${call.integration}`)
      const budgetMs = budgetOf(call.headers, deps.options.defaultBudgetMs ?? 60_000)
      const retries = call.headers.get('junction-retries') !== '0'
      const holdSecret = (value: string) => {
        secret = value
      }
      const sendOnce = (force: boolean) => send(call, integration, userId, { force, budgetMs, retries, holdSecret })
      try {
        const response = await sendOnce(false)
        status = response.status
        attempts = response.attempts
        return respond(response.status, response.headers, response.data, requestId, attempts)
      } catch (error) {
        // A 401 for a token Junction believed valid: refresh once, try once more, never again.
        const oauthConnection = !isAppLevel(integration) && integration.definition.auth.type === 'oauth2'
        if (!(isHttpError(error) && error.status === 401 && oauthConnection && retries)) throw error
        earlierAttempts = error.attempts
        const response = await sendOnce(true)
        status = response.status
        attempts = response.attempts + earlierAttempts
        return respond(response.status, response.headers, response.data, requestId, attempts)
      }
    } catch (error) {
      if (isHttpError(error)) {
        status = error.status
        attempts = error.attempts + earlierAttempts
        const body = error.data instanceof Uint8Array ? scrub(error.data, secret) : new Uint8Array()
        return respond(error.status, error.headers, body, requestId, attempts)
      }
      const code: JunctionErrorCode = isJunctionError(error) ? error.code : 'internal_error'
      errorCode = code
      const message = isJunctionError(error)
        ? redactText(error.message)
        : 'the proxy failed to handle this call; the error was logged'
      const headers: Record<string, string> = {
        'junction-error': code,
        'junction-request-id': requestId,
        'junction-attempts': String(attempts),
      }
      if (isJunctionError(error) && error.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(error.retryAfterSeconds)
      const response = errorResponse(code, message, headers)
      status = response.status
      return response
    } finally {
      if (integration !== undefined) {
        insertCallLog(deps.db, {
          requestId,
          userId: userId !== undefined && isUserId(userId) ? userId : null,
          integration: integration.id,
          provider: integration.provider,
          endpoint: call.path === '' ? '/' : call.path,
          method: call.method,
          statusCode: status,
          responseTimeMs: performance.now() - started,
          errorMessage: errorCode,
          attempts,
        }).catch(() => undefined)
      }
    }
  }

  return {
    forward,
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()))
    },
  }
}

function respond(
  status: number,
  upstream: Record<string, string>,
  body: Uint8Array,
  requestId: string,
  attempts: number,
): Response {
  const headers = headersForCaller(upstream)
  headers.set('junction-request-id', requestId)
  headers.set('junction-attempts', String(attempts))
  const empty = status === 204 || status === 304 || status === 205
  return new Response(empty ? null : body, { status, headers })
}

/** A provider that echoes the token in an error body (some do) must not hand it to the caller. */
function scrub(body: Uint8Array, secret: string | undefined): Uint8Array {
  if (secret === undefined || secret === '' || body.byteLength > scrubbedErrorBytes) return body
  const text = Buffer.from(body).toString('utf8')
  return text.includes(secret) ? new Uint8Array(Buffer.from(text.split(secret).join('[redacted]'), 'utf8')) : body
}

function budgetOf(headers: Headers, fallback: number): number {
  const text = headers.get('junction-timeout-ms')
  if (text === null) return fallback
  const value = Number(text)
  if (!/^\d{1,6}$/.test(text) || value < 1 || value > maxBudgetMs) {
    throw new JunctionError(
      'invalid_request',
      `Junction-Timeout-Ms is a number of milliseconds from 1 to ${maxBudgetMs}`,
    )
  }
  return value
}
