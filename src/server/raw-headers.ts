/** @module A request's headers as they came over the wire, for the few checks that must see every copy of one. */
import type { Context } from 'hono'
import type { WebhookHeaders } from '../webhooks/types.js'

/**
 * On a Node socket, every header with its repeated copies kept apart (Node's `rawHeaders`), so that a signature
 * header sent twice is seen as sent twice; elsewhere (a web `Request`, where copies are already joined with ", "),
 * the request's `Headers`.
 */
export function rawHeadersOf(c: Context): WebhookHeaders {
  const raw = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming?.rawHeaders
  if (!Array.isArray(raw)) return c.req.raw.headers
  // No prototype: a header named `__proto__` is a header like any other.
  const headers: Record<string, string[]> = Object.create(null)
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = String(raw[index]).toLowerCase()
    headers[name] ??= []
    headers[name].push(String(raw[index + 1]))
  }
  return headers
}
