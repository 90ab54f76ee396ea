/**
 * @module Where a proxied call goes, read from the request target as the caller sent it
 * (`/v1/proxy/slack/chat.postMessage?x=1`): the integration, the path after it (percent-encoded as it came) and the
 * query. One reading for the hub's socket (server/proxy-node-route.ts) and the app's route (server/routes/proxy.ts).
 */
import { decodeOrKeep } from '../core/uri.js'

export interface ProxyTarget {
  /** Decoded; a name that does not decode is left as it came (no integration has such a name: not found). */
  integration: string
  /** The integration's segment as it came, for checks on the raw form (dot segments). */
  integrationSegment: string
  /** After the integration, with its leading `/`; `''` when the target ends at the integration. */
  path: string
  /** The query with its `?`, or `''`. */
  search: string
  /** The target without its query. */
  pathname: string
}

const prefix = '/v1/proxy/'

/** Reads a target that holds `/v1/proxy/` (the app may be mounted under a base path before it). */
export function proxyTarget(target: string): ProxyTarget {
  const questionMark = target.indexOf('?')
  const pathname = questionMark === -1 ? target : target.slice(0, questionMark)
  const rest = pathname.slice(pathname.indexOf(prefix) + prefix.length)
  const slash = rest.indexOf('/')
  const integrationSegment = slash === -1 ? rest : rest.slice(0, slash)
  return {
    integration: decodeOrKeep(integrationSegment),
    integrationSegment,
    path: slash === -1 ? '' : rest.slice(slash),
    search: questionMark === -1 ? '' : target.slice(questionMark),
    pathname,
  }
}
