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

/**
 * A call's headers as the proxy reads them: lower-case names, as Node's `IncomingMessage.headers` has them (a value
 * sent more than once is a list, or joined with commas) or as {@link headersOfRequest} makes them of web `Headers`.
 */
export type CallHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

/** One header of a call, its copies joined with commas. */
export function callHeader(headers: CallHeaders, name: string): string | undefined {
  const value = headers[name]
  return value === undefined || typeof value === 'string' ? value : value.join(', ')
}

/** Web `Headers` as {@link CallHeaders} (the library and the app's route). */
export function headersOfRequest(headers: Headers): Record<string, string> {
  const record: Record<string, string> = Object.create(null)
  headers.forEach((value, name) => {
    record[name] = value
  })
  return record
}

export function headersForProvider(incoming: CallHeaders, authHeader: string | undefined): Record<string, string> {
  const connection = callHeader(incoming, 'connection')
  const named =
    connection === undefined ? undefined : new Set(connection.split(',').map((name) => name.trim().toLowerCase()))
  const auth = authHeader?.toLowerCase()
  const result: Record<string, string> = {}
  for (const name in incoming) {
    const value = incoming[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || neverForwarded.has(lower) || named?.has(lower) === true) continue
    if (lower.startsWith('x-forwarded-') || lower.startsWith('junction-') || lower === auth) continue
    result[lower] = typeof value === 'string' ? value : value.join(', ')
  }
  result['accept-encoding'] = 'identity'
  return result
}

/** The provider's headers for the caller; a value holding one of `echoForms` (a credential's echo) is scrubbed. */
export function headersForCaller(upstream: Record<string, string>, echoForms: EchoForms): Record<string, string> {
  const named = new Set((upstream.connection ?? '').split(',').map((name) => name.trim().toLowerCase()))
  const result: Record<string, string> = {}
  for (const name in upstream) {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || named.has(lower) || lower === 'set-cookie' || lower === 'content-length') continue
    if (lower.startsWith('junction-') || lower.startsWith('access-control-')) continue
    const value = upstream[name]!
    result[lower] = echoForms.length === 0 ? value : scrubText(value, echoForms)
  }
  return result
}
