/** @module Building a request URL under a base, and describing it without secrets. */
import { JunctionError } from '../core/errors.js'

export type QueryValue = string | number | boolean | undefined

/**
 * Joins `path` under `baseUrl`, keeping the base's origin and path prefix (never `new URL(path, base)`, which lets
 * `//host` or `../` escape). Query values are appended, encoded.
 */
export function buildRequestUrl(baseUrl: URL | undefined, target: string, query?: Record<string, QueryValue>): URL {
  let url: URL
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    url = new URL(target)
  } else {
    if (baseUrl === undefined) throw new JunctionError('invalid_request', `a relative path needs a baseUrl: ${target}`)
    const prefix = baseUrl.pathname.replace(/\/+$/, '')
    const [path = '', search] = target.split('?', 2)
    url = new URL(`${baseUrl.origin}${prefix}/${path.replace(/^\/+/, '')}${search === undefined ? '' : `?${search}`}`)
    if (url.origin !== baseUrl.origin || !(url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))) {
      throw new JunctionError('invalid_path', `the path ${path} leaves the base URL`)
    }
  }
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, String(value))
  }
  return url
}

/** `METHOD origin/path`: the query is left out, since it may carry a secret. */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`
}
