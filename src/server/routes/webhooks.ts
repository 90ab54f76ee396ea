/**
 * @module `POST /webhooks/:integration`: providers' deliveries (docs/http-api.md, "Webhooks"). Public: the
 * signature is the credential. The body arrives already capped by the app's body limit (413 past 1 MiB).
 */
import { Hono } from 'hono'
import type { WebhookInbox } from '../../webhooks/inbox/inbox.js'
import { rawHeadersOf } from '../raw-headers.js'

export function webhookRoutes(inbox: WebhookInbox): Hono {
  return new Hono().post('/:integration', async (c) => {
    const receipt = await inbox.receive({
      integration: c.req.param('integration'),
      method: c.req.method,
      search: new URL(c.req.url).search,
      headers: rawHeadersOf(c),
      body: new Uint8Array(await c.req.arrayBuffer()),
    })
    c.header('cache-control', 'no-store')
    if (receipt.kind === 'challenge') return c.json({ challenge: receipt.challenge })
    return c.json(receipt.kind === 'duplicate' ? { duplicate: true } : { received: true })
  })
}
