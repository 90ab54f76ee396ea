/**
 * @module The provider's API base URL for one connection: `{name}` placeholders filled from the connection's
 * metadata (Salesforce's `{instance_url}`), and the result held to the provider's `allowedHosts`.
 */
import { JunctionError } from '../core/errors.js'
import type { ProviderDefinition } from '../providers/definition.js'

export function providerBaseUrl(api: ProviderDefinition['api'], metadata: Record<string, unknown>): URL {
  let missing: string | undefined
  const filled = api.baseUrl.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (_, name: string) => {
    const value = metadata[name]
    if (typeof value !== 'string' || value === '') {
      missing = name
      return ''
    }
    return value
  })
  if (missing !== undefined)
    throw new JunctionError('invalid_request', `the connection has no ${missing} for the API base URL`)
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
