/**
 * @module What every typed client shares: a JSON request through `junction.fetch` (so every proxy rule applies), and
 * one way of turning failures into errors: Junction's own as a `JunctionError` with its code, a provider's non-2xx
 * answer as an `HttpError` with its status and parsed body.
 */
import { isWireErrorCode, JunctionError } from '../core/errors.js'
import { HttpError } from '../http/http-error.js'
import type { QueryValue } from '../http/request-url.js'
import { parseBody } from '../http/response-body.js'

/** `junction.fetch` bound to one integration and user. */
export type BoundFetch = (path: string, init?: RequestInit) => Promise<Response>

export interface ClientRequest {
  /** @default 'GET' */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Under the integration's API base URL, e.g. `/crm/v3/objects/contacts`. */
  path: string
  /** Appended to the path, encoded; undefined values are left out, arrays repeat the name. */
  query?: Record<string, QueryValue | readonly QueryValue[]>
  /** Sent as JSON. */
  json?: unknown
  /** Sent as `application/x-www-form-urlencoded` (already flattened). */
  form?: URLSearchParams
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** Sends the request and answers the parsed JSON body (undefined for an empty one). */
export async function requestJson<T>(fetch: BoundFetch, request: ClientRequest): Promise<T> {
  const method = request.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers }
  let body: string | undefined
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8'
    body = JSON.stringify(request.json)
  } else if (request.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = request.form.toString()
  }
  const response = await fetch(`${request.path}${queryString(request.query)}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  })
  return readJsonResponse<T>(response, method, request.path)
}

/**
 * The parsed body of a `junction.fetch` answer: Junction's own refusal (a `junction-error` header) throws a
 * `JunctionError` with its code, a provider's non-2xx an `HttpError` with its status and parsed body.
 */
export async function readJsonResponse<T>(response: Response, method: string, path: string): Promise<T> {
  // Parsed as `junction/http` parses: the same `data` in an HttpError from either.
  const data = parseBody(
    new Uint8Array(await response.arrayBuffer()),
    response.headers.get('content-type') ?? undefined,
  )
  const junctionCode = response.headers.get('junction-error')
  if (junctionCode !== null) {
    const message = (data as { error?: { message?: unknown } } | undefined)?.error?.message
    throw new JunctionError(
      isWireErrorCode(junctionCode) ? junctionCode : 'internal_error',
      typeof message === 'string' ? message : `Junction refused ${method} ${path}`,
      retryAfter(response),
    )
  }
  if (!response.ok) {
    throw new HttpError(`${method} ${path} answered ${response.status}`, {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      data,
      attempts: Number(response.headers.get('junction-attempts') ?? 1),
    })
  }
  return data as T
}

export function queryString(query: ClientRequest['query']): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) params.append(name, String(item))
    }
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

function retryAfter(response: Response): { retryAfterSeconds?: number } {
  const seconds = Number(response.headers.get('retry-after'))
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: seconds } : {}
}
