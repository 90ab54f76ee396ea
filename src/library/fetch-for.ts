/**
 * @module `junction.fetchFor()`: a `fetch`-compatible function for a provider's official SDK. The SDK builds absolute
 * URLs; each must be under the integration's `api.baseUrl` (same origin, under its path), and goes through
 * `junction.fetch` with the rest of the path, so every proxy rule applies. The SDK's own `Authorization` (a
 * placeholder key, typically) is never sent: the proxy drops it and sets the connection's credentials. A POST or
 * PATCH without the provider's idempotency header gets a fresh one, so the proxy may retry it.
 */

import { randomUUID } from 'node:crypto'
import { type ResolvedIntegration, requireIntegration } from '../config/resolve-integration.js'
import { JunctionError } from '../core/errors.js'
import { providerBaseUrl } from '../proxy/provider-base-url.js'
import type { JunctionFetch } from '../proxy/proxy-fetch.js'

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

export interface FetchForDeps {
  fetch: JunctionFetch
  integrations: ReadonlyMap<string, ResolvedIntegration>
  /** A connection's metadata, for base URLs with `{name}` placeholders (Salesforce's `{instance_url}`). */
  metadataOf(integration: string, userId: string): Promise<Record<string, unknown>>
}

export function createFetchFor(deps: FetchForDeps) {
  /**
   * @param userId the end user, or none for app-level integrations (Stripe's secret key, say).
   * @example new Stripe('unused', { httpClient: Stripe.createFetchHttpClient(junction.fetchFor('billing')) })
   */
  return (integration: string, userId?: string | null): FetchLike => {
    const resolved = requireIntegration(deps.integrations, integration)
    const { api } = resolved.definition
    const idempotencyHeader = resolved.definition.idempotency?.header
    const templated = /\{[a-z_][a-z0-9_]*\}/i.test(api.baseUrl)
    const baseUrl = async () =>
      providerBaseUrl(api, templated && typeof userId === 'string' ? await deps.metadataOf(integration, userId) : {})

    return async (input, init) => {
      const request = input instanceof Request ? input : undefined
      const href = request?.url ?? (input instanceof URL ? input.href : String(input))
      if (!URL.canParse(href)) {
        throw new JunctionError(
          'invalid_request',
          `fetchFor(${integration}) takes absolute URLs under its API base URL`,
        )
      }
      const url = new URL(href)
      const base = await baseUrl()
      const path = pathUnder(url, base)
      if (path === undefined) {
        throw new JunctionError(
          'invalid_path',
          `${url.origin}${url.pathname.slice(0, 200)} is not under the API base URL of ${integration} (${base.origin}${base.pathname})`,
        )
      }
      return deps.fetch(
        integration,
        userId,
        `${path}${url.search}`,
        withIdempotencyKey(request === undefined ? init : fromRequest(request, init), idempotencyHeader),
      )
    }
  }
}

/**
 * `init` with a fresh key in the provider's idempotency header (Stripe's `Idempotency-Key`) when it is a POST or PATCH
 * without one: the proxy retries those after a failure only when they carry it (docs/http-api.md, "Retries and
 * idempotency"). A key the caller chose is kept; other methods, and providers without the header, are left alone.
 */
export function withIdempotencyKey(init: RequestInit | undefined, header: string | undefined): RequestInit | undefined {
  const method = init?.method?.toUpperCase() ?? 'GET'
  if (header === undefined || (method !== 'POST' && method !== 'PATCH')) return init
  const headers = new Headers(init?.headers)
  if (headers.has(header)) return init
  headers.set(header, randomUUID())
  return { ...init, headers }
}

/** The path of `url` below `base` (`''` for the base itself), or undefined outside it or with credentials in it. */
function pathUnder(url: URL, base: URL): string | undefined {
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return undefined
  const prefix = base.pathname.replace(/\/+$/, '')
  if (url.pathname === prefix) return ''
  return url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : undefined
}

/** A `Request` given to fetch, as an init (with `init` on top, as `fetch(request, init)` does). */
function fromRequest(request: Request, init: RequestInit | undefined): RequestInit {
  return {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    ...(request.body === null ? {} : { body: request.body }),
    ...init,
  }
}
