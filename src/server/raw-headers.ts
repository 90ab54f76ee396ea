/** @module A request's headers as they came over the wire, for the few checks that must see every copy of one. */
import type { Context } from 'hono'
import type { WebhookHeaders } from '../webhooks/types.js'
import { rawHeaderRecord } from './node-routes.js'

/**
 * On a Node socket, every header with its repeated copies kept apart (Node's `rawHeaders`), so that a signature
 * header sent twice is seen as sent twice; elsewhere (a web `Request`, where copies are already joined with ", "),
 * the request's `Headers`.
 */
export function rawHeadersOf(c: Context): WebhookHeaders {
  const raw = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming?.rawHeaders
  return Array.isArray(raw) ? rawHeaderRecord(raw) : c.req.raw.headers
}
