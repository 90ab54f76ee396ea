/**
 * @module `POST /webhooks/:integration`: providers' deliveries (docs/http-api.md, "Webhooks"). Public: the
 * signature is the credential. Served twice with the same answers: as a Hono route (for `app.request()` and the
 * library), where the body arrives already capped by the app's body limit (413 past 1 MiB), and as a Node route on
 * the hub's socket (`webhookNodeRoute`), which reads and caps the body itself and builds no web Request or Response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Hono } from 'hono'
import type { Logger } from '../../core/logger.js'
import type { WebhookDelivery, WebhookInbox, WebhookReceipt } from '../../webhooks/inbox/inbox.js'
import {
  type NodeRoute,
  rawHeaderRecord,
  readBodyUpTo,
  splitTarget,
  writeJson,
  writeJunctionError,
  writeThrown,
} from '../node-routes.js'
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
    return c.json(receiptBody(receipt))
  })
}

export interface WebhookNodeRouteDeps {
  inbox: WebhookInbox
  /** The app's body limit: a larger body is refused with 413 as the app's limit refuses it. */
  maxBodyBytes: number
  logger: Logger
}

const prefix = '/webhooks/'
const route = '/webhooks/:integration'
const answerHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' }

/** The same route on Node's own request and response, for {@link listen}: one path segment after `/webhooks/`. */
export function webhookNodeRoute(deps: WebhookNodeRouteDeps): NodeRoute {
  return {
    prefix,
    methods: ['POST'],
    handle(request, response) {
      const { path, search } = splitTarget(request.url ?? '')
      const integration = pathSegment(path.slice(prefix.length))
      if (integration === undefined) return false
      receive(deps, request, response, integration, search).catch((error: unknown) => {
        // Only writing the answer can get here (the socket gone, say): logged, and the connection dropped.
        deps.logger.error({ err: error, route }, 'unexpected error')
        response.destroy()
      })
      return true
    },
  }
}

async function receive(
  deps: WebhookNodeRouteDeps,
  request: IncomingMessage,
  response: ServerResponse,
  integration: string,
  search: string,
): Promise<void> {
  const read = await readBodyUpTo(request, deps.maxBodyBytes)
  if (read.kind === 'aborted') return
  if (read.kind === 'too_large') {
    // The rest of the body is never read: the connection is closed after the answer (as the app's limit does).
    writeJunctionError(
      response,
      { code: 'payload_too_large', message: `the request body is larger than ${deps.maxBodyBytes} bytes` },
      { connection: 'close' },
    )
    return
  }
  const delivery: WebhookDelivery = {
    integration,
    method: 'POST',
    search,
    headers: rawHeaderRecord(request.rawHeaders),
    body: read.body,
  }
  try {
    writeJson(response, 200, receiptBody(await deps.inbox.receive(delivery)), answerHeaders)
  } catch (error) {
    writeThrown(response, error, deps.logger, { method: 'POST', route })
  }
}

function receiptBody(receipt: WebhookReceipt): Record<string, unknown> {
  if (receipt.kind === 'challenge') return { challenge: receipt.challenge }
  return receipt.kind === 'duplicate' ? { duplicate: true } : { received: true }
}

/** The integration named by one non-empty path segment, decoded as the app's router decodes it; else `undefined`. */
function pathSegment(text: string): string | undefined {
  if (text === '' || text.includes('/')) return undefined
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined // left to the app, which answers what it answers for a malformed path
  }
}
