/**
 * @module Which headers cross the proxy (the README's proxy rules). To the provider: not the caller's
 * credentials, cookies, forwarding or hop-by-hop headers, nor Junction's own, nor whatever header the provider's
 * auth style uses (Junction sets it), nor `Accept-Encoding` (Junction asks for identity, so that an error body that
 * echoes a token can be scrubbed). Back to the caller: no `Set-Cookie`, no hop-by-hop or CORS headers, and no
 * `Junction-*` header the provider made up (only Junction sets those).
 * @see RFC 9110 §7.6.1 (Connection)
 */
import { type EchoForms, scrubText } from './echo-scrubber.js'

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])
const neverForwarded = new Set([
  'authorization',
  'cookie',
  'host',
  'forwarded',
  'x-real-ip',
  'content-length',
  'expect',
  'accept-encoding',
])

export function headersForProvider(incoming: Headers, authHeader: string | undefined): Record<string, string> {
  const named = new Set((incoming.get('connection') ?? '').split(',').map((name) => name.trim().toLowerCase()))
  const auth = authHeader?.toLowerCase()
  const result: Record<string, string> = {}
  incoming.forEach((value, name) => {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || neverForwarded.has(lower) || named.has(lower)) return
    if (lower.startsWith('x-forwarded-') || lower.startsWith('junction-') || lower === auth) return
    result[lower] = value
  })
  result['accept-encoding'] = 'identity'
  return result
}

/** The provider's headers for the caller; a value holding one of `echoForms` (a credential's echo) is scrubbed. */
export function headersForCaller(upstream: Record<string, string>, echoForms: EchoForms): Headers {
  const named = new Set((upstream.connection ?? '').split(',').map((name) => name.trim().toLowerCase()))
  const result = new Headers()
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || named.has(lower) || lower === 'set-cookie' || lower === 'content-length') continue
    if (lower.startsWith('junction-') || lower.startsWith('access-control-')) continue
    result.set(lower, scrubText(value, echoForms))
  }
  return result
}
