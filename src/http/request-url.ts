/**
 * @module Building a request URL under a base, and describing it without secrets.
 * @see docs/security.md, "Path joining"
 */

import { JunctionError } from '../core/errors.js'
import { decodeOrKeep } from '../core/uri.js'

export type QueryValue = string | number | boolean | undefined

/**
 * Joins `target` under `baseUrl`, keeping the base's origin and path prefix (never `new URL(path, base)`, which lets
 * `//host` or `../` escape). With a base URL, an absolute target must stay under it too: the client's default
 * headers (credentials, often) go only where the base points. Query values are appended, encoded.
 */
export function buildRequestUrl(baseUrl: URL | undefined, target: string, query?: Record<string, QueryValue>): URL {
  const questionMark = target.indexOf('?')
  const path = questionMark === -1 ? target : target.slice(0, questionMark)
  const search = questionMark === -1 ? '' : target.slice(questionMark)
  let url: URL
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    url = parseUrl(target, path)
    if (baseUrl !== undefined && !isUnder(url, baseUrl)) {
      throw new JunctionError('invalid_path', `${safeForMessage(path)} is not under the client's base URL`)
    }
  } else {
    if (baseUrl === undefined) throw new JunctionError('invalid_request', 'a relative path needs a baseUrl')
    assertSafePath(path)
    const prefix = pathPrefix(baseUrl)
    url = parseUrl(
      `${baseUrl.origin}${prefix}/${path.charCodeAt(0) === slash ? path.replace(/^\/+/, '') : path}${search}`,
      path,
    )
    if (!isUnder(url, baseUrl, prefix))
      throw new JunctionError('invalid_path', `${safeForMessage(path)} leaves the base URL`)
  }
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, String(value))
  }
  return url
}

/**
 * Refuses what could change where a path points once a server decodes it: dot segments, plain or percent-encoded
 * once or twice (`%2e%2e`, `%252e`), also when hidden behind an encoded slash (`..%2F`); backslashes; control
 * characters; and `..;` (Java servers strip path parameters, so `..;/` climbs there). Other encoded slashes and `@` inside a segment are kept as they are (GitLab's `group%2Fproject`).
 */
function assertSafePath(path: string): void {
  if (path.startsWith('//')) throw new JunctionError('invalid_path', 'the path may not start with //')
  // Without a dot, a percent sign, a backslash or a control character nothing below can match: the common path.
  if (!path.includes('.') && !path.includes('%') && !path.includes('\\') && !hasControlCharacter(path)) return
  const once = decodeOrKeep(path)
  for (const form of [path, once, decodeOrKeep(once)]) {
    if (form.includes('\\') || hasControlCharacter(form)) {
      throw new JunctionError('invalid_path', 'the path holds a backslash or a control character')
    }
    if (form.split('/').some((segment) => segment === '.' || segment === '..' || segment.startsWith('..;'))) {
      throw new JunctionError('invalid_path', 'the path holds a dot segment (.. or .)')
    }
  }
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** `METHOD origin/path`: the query is left out, since it may carry a secret. */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`
}

const slash = 0x2f

/** The base URL's path without its trailing slashes. */
function pathPrefix(base: URL): string {
  const path = base.pathname
  return path.charCodeAt(path.length - 1) === slash ? path.replace(/\/+$/, '') : path
}

function isUnder(url: URL, base: URL, prefix = pathPrefix(base)): boolean {
  if (url.origin !== base.origin) return false
  const path = url.pathname
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === slash)
}

function parseUrl(text: string, pathForMessage: string): URL {
  try {
    return new URL(text)
  } catch {
    // The parser's own error quotes the whole input, query (and any token in it) included.
    throw new JunctionError('invalid_request', `${safeForMessage(pathForMessage)} is not a valid URL`)
  }
}

/** A path for an error message: credentials in an absolute URL are cut out, and the length is bounded. */
export function safeForMessage(path: string): string {
  return path.replace(/\/\/[^/@]*@/, '//').slice(0, 200)
}
