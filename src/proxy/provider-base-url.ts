/**
 * @module The provider's API base URL for one connection: `{name}` placeholders filled from the connection's
 * metadata (Salesforce's `{instance_url}`), and the result held to the provider's `allowedHosts`. A value fills only
 * the part of the URL its placeholder stands for, so metadata can choose among the allowed hosts but never move the
 * base's path prefix.
 */
import { JunctionError } from '../core/errors.js'
import { hasPlaceholders, type ProviderDefinition } from '../providers/definition.js'

const placeholder = /\{([a-z_][a-z0-9_]*)\}/gi
/** A whole origin, for a placeholder that starts the URL: scheme, host and port, nothing else but a final `/`. */
const originValue = /^https?:\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?\/?$/i
/**
 * Anywhere else, one path segment (or host label): unreserved characters only, so no `/`, `?`, `#`, `%`, `;` or `@`
 * that a server could read as structure, and not `.` or `..` (RFC 3986 §2.3, §3.3).
 */
const segmentValue = /^(?!\.{1,2}$)[A-Za-z0-9._~-]+$/

export function providerBaseUrl(api: ProviderDefinition['api'], metadata: Record<string, unknown>): URL {
  const templated = hasPlaceholders(api.baseUrl)
  // The configuration refuses this already; checked again because without hosts the metadata would choose the host.
  if (templated && api.allowedHosts === undefined)
    throw new JunctionError('egress_blocked', 'a templated API base URL needs allowedHosts')
  let missing: string | undefined
  let misfit: { name: string; expected: string } | undefined
  const filled = api.baseUrl.replace(placeholder, (_, name: string, offset: number) => {
    const value = metadata[name]
    if (typeof value !== 'string' || value === '') {
      missing ??= name
      return ''
    }
    if (offset === 0 ? !originValue.test(value) : !segmentValue.test(value)) {
      misfit ??= { name, expected: offset === 0 ? 'an origin (scheme and host only)' : 'a single path segment' }
      return ''
    }
    return offset === 0 ? value.replace(/\/$/, '') : value
  })
  if (missing !== undefined)
    throw new JunctionError('invalid_request', `the connection has no ${missing} for the API base URL`)
  // The value is not quoted: it is the connection's data, and could be made to look like anything.
  if (misfit !== undefined)
    throw new JunctionError('egress_blocked', `the connection's ${misfit.name} is not ${misfit.expected}`)
  if (!URL.canParse(filled))
    throw new JunctionError('invalid_request', 'the API base URL of this connection is not a URL')
  const url = new URL(filled)
  if (api.allowedHosts !== undefined && !api.allowedHosts.some((pattern) => hostMatches(url.hostname, pattern))) {
    throw new JunctionError('egress_blocked', `${url.hostname} is not among the provider's allowed API hosts`)
  }
  return url
}

/** `*.example.com` matches one or more labels before `example.com`, never `example.com` itself or `evilexample.com`. */
function hostMatches(hostname: string, pattern: string): boolean {
  const host = hostname.toLowerCase()
  const wanted = pattern.toLowerCase()
  if (!wanted.startsWith('*.')) return host === wanted
  return host.endsWith(wanted.slice(1)) && host.length > wanted.length - 1
}
