/**
 * @module "Try a request" on an integration's page: one call through the proxy, with every proxy rule, limit, retry
 * and call-log entry of a real one, as the user named in the form. A body must be JSON, checked before it is sent.
 * Only the first 64 KiB of the answer is kept.
 */
import { JunctionError } from '../../core/errors.js'
import type { JunctionFetch } from '../../proxy/proxy-fetch.js'
import { describeJsonProblem, findJsonProblem } from './json-check.js'

export interface TryRequestInput {
  integration: string
  userId: string | undefined
  method: string
  /** A path under the provider's API base, with its query if any. */
  target: string
  body: string | undefined
}

export interface TryRequestResult {
  status: number
  durationMs: number
  attempts: string | null
  requestId: string | null
  junctionError: string | null
  contentType: string | null
  body: string
  truncated: boolean
}

export const tryMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
const shownBytes = 64 * 1024

export async function tryRequest(fetch: JunctionFetch, input: TryRequestInput): Promise<TryRequestResult> {
  if (!(tryMethods as readonly string[]).includes(input.method))
    throw new JunctionError('invalid_request', `method: one of ${tryMethods.join(', ')}`)
  if (!input.target.startsWith('/')) throw new JunctionError('invalid_request', 'path: starts with /')
  const body = input.body !== undefined && input.body.trim() !== '' && input.method !== 'GET' ? input.body : undefined
  const headers = new Headers()
  if (body !== undefined) {
    // Checked here, before anything is sent: a provider's answer to a broken body says less, and costs a call.
    const problem = findJsonProblem(body)
    if (problem !== undefined)
      throw new JunctionError(
        'invalid_json',
        `The body is not JSON (${describeJsonProblem(problem)}). Nothing was sent.`,
      )
    headers.set('content-type', 'application/json')
  }
  const started = performance.now()
  const response = await fetch(input.integration, input.userId ?? null, input.target, {
    method: input.method,
    headers,
    ...(body === undefined ? {} : { body }),
  })
  const { text, truncated } = await readStart(response)
  return {
    status: response.status,
    durationMs: Math.round(performance.now() - started),
    attempts: response.headers.get('junction-attempts'),
    requestId: response.headers.get('junction-request-id'),
    junctionError: response.headers.get('junction-error'),
    contentType: response.headers.get('content-type'),
    body: prettyIfJson(text, response.headers.get('content-type')),
    truncated,
  }
}

async function readStart(response: Response): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < shownBytes) {
    const { done, value } = await reader.read()
    if (done) return { text: decode(chunks), truncated: false }
    chunks.push(value)
    size += value.byteLength
  }
  await reader.cancel().catch(() => undefined)
  return { text: decode(chunks).slice(0, shownBytes), truncated: true }
}

function decode(chunks: Uint8Array[]): string {
  return new TextDecoder().decode(Buffer.concat(chunks))
}

function prettyIfJson(text: string, contentType: string | null): string {
  if (contentType === null || !/json/i.test(contentType)) return text
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
