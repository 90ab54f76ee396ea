/**
 * @module Which headers cross the proxy (CONTRACT.md §3 "Proxy rules"). To the provider: not the caller's
 * credentials, cookies, forwarding or hop-by-hop headers, nor Junction's own, nor whatever header the provider's
 * auth style uses (Junction sets it). Back to the caller: no `Set-Cookie`, no hop-by-hop headers.
 * @see RFC 9110 §7.6.1 (Connection), reference/security.md §5b
 */

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
  return result
}

export function headersForCaller(upstream: Record<string, string>): Headers {
  const named = new Set((upstream.connection ?? '').split(',').map((name) => name.trim().toLowerCase()))
  const result = new Headers()
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || named.has(lower) || lower === 'set-cookie' || lower === 'content-length') continue
    result.set(lower, value)
  }
  return result
}
