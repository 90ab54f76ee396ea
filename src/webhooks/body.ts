/**
 * @module The body as bytes, the way signatures cover it. JSON is parsed only from here, and only by a scheme's
 * `eventId`, which runs after a MAC matched.
 */
import type { WebhookBody } from './types.js'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/** The raw bytes of a body (a string is taken as the UTF-8 decoding of them), or `undefined` for anything else. */
export function bodyBytes(body: WebhookBody): Uint8Array | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof Uint8Array) return body
  return undefined
}

/**
 * The body as text when it is valid UTF-8, else `undefined`. A byte-for-byte round trip: the byte-order mark is
 * kept, and invalid sequences are refused rather than replaced, since two different bodies would otherwise share a
 * decoding (and so a signature over that decoding).
 */
export function exactUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** The body parsed as JSON, or `undefined` when it is not JSON. Only for bodies whose signature verified. */
export function parseVerifiedJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(lenientUtf8.decode(bytes))
  } catch {
    return undefined
  }
}

/** A string property of a JSON object, or `undefined`. */
export function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const field = (value as Record<string, unknown>)[name]
  return typeof field === 'string' && field !== '' ? field : undefined
}
