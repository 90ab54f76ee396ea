/**
 * @module For the app's side: verifies an event Junction's hub sent to `events.url` (Standard Webhooks, signed with
 * `JUNCTION_EVENTS_SECRET`) and returns it parsed.
 */
import { JunctionError } from '../core/errors.js'
import { parseVerifiedJson } from './body.js'
import { verifyWebhook } from './verify-webhook.js'

/** An event as the hub sends it. `id` is also the `webhook-id` header, the same on every attempt: deduplicate on it. */
export interface JunctionEvent {
  id: string
  /** `connection.created`, `webhook.received`, … */
  type: string
  /** RFC 3339, UTC, with milliseconds. */
  createdAt: string
  data: unknown
}

export interface VerifyJunctionEventOptions {
  /** How far the signed timestamp may be from `now`, either way. @default 300 */
  toleranceSeconds?: number
  /** @default new Date() */
  now?: Date
  /** A larger body is refused before it is read further. @default 8 MiB (a webhook body of 1 MiB, escaped in JSON) */
  maxBodyBytes?: number
}

const defaultMaxBodyBytes = 8 * 1024 * 1024

/**
 * Reads the body of a request from the hub, checks its signature against `secret` (the hub's
 * `JUNCTION_EVENTS_SECRET`: one `whsec_…` value, or several separated by commas while rotating) and returns the
 * event. Throws a `JunctionError`: `invalid_signature` when the signature does not verify (the reason is in
 * `cause`), `payload_too_large`, `invalid_json` for a signed body that is not an event, and `internal_error` when no
 * secret is given (a configuration mistake, so that the hub keeps retrying rather than the event being dropped).
 *
 * @example
 * export async function POST(request: Request) {
 *   const event = await verifyJunctionEvent(request, process.env.JUNCTION_EVENTS_SECRET)
 *   if (event.type === 'connection.needs_reauth') await askUserToReconnect(event.data)
 *   return new Response(null, { status: 204 })
 * }
 */
export async function verifyJunctionEvent(
  request: Request,
  secret: string | undefined,
  options: VerifyJunctionEventOptions = {},
): Promise<JunctionEvent> {
  const secrets = (secret ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
  if (secrets.length === 0) {
    throw new JunctionError(
      'internal_error',
      'no events secret was given to verifyJunctionEvent (JUNCTION_EVENTS_SECRET)',
    )
  }
  const body = await readBody(request, options.maxBodyBytes ?? defaultMaxBodyBytes)
  const result = verifyWebhook({
    scheme: 'standard-webhooks',
    secrets,
    headers: request.headers,
    body,
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  if (!result.ok) {
    throw new JunctionError('invalid_signature', 'the event is not signed by this hub', { cause: result.reason })
  }
  const event = asJunctionEvent(parseVerifiedJson(body))
  if (event === undefined) throw new JunctionError('invalid_json', 'the signed body is not a Junction event')
  return event
}

function asJunctionEvent(value: unknown): JunctionEvent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { id, type, createdAt, data } = value as Record<string, unknown>
  if (typeof id !== 'string' || typeof type !== 'string' || typeof createdAt !== 'string') return undefined
  if (!('data' in value)) return undefined
  return { id, type, createdAt, data }
}

async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new JunctionError('payload_too_large', `the event body is larger than ${maxBytes} bytes`)
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > maxBytes) throw tooLarge()
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}
