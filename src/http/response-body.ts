/** @module Reading a response body under a size cap, and turning it into data by its content type. */
import { isJunctionError, JunctionError } from '../core/errors.js'
import type { TransportResponse } from './transport.js'

/**
 * Reads the whole body; past `maxBytes` it throws `response_too_large` (the caller's `release()` then drops the
 * connection).
 */
export async function readCappedBody(
  response: TransportResponse,
  maxBytes: number,
  /** `METHOD origin/path`, for messages. */
  described: string,
): Promise<Uint8Array> {
  // A transport that reads bodies whole enforces the cap itself (undici counts as the bytes arrive); the check after
  // is a safety net for transports that do not.
  if (response.bytes !== undefined) {
    let bytes: Uint8Array
    try {
      bytes = await response.bytes()
    } catch (error) {
      throw isJunctionError(error) && error.code === 'response_too_large'
        ? new JunctionError('response_too_large', `${described}: ${error.message}`)
        : error
    }
    if (bytes.byteLength <= maxBytes) return bytes
    throw new JunctionError('response_too_large', `${described}: response body is larger than ${maxBytes} bytes`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > maxBytes) {
      throw new JunctionError('response_too_large', `${described}: response body is larger than ${maxBytes} bytes`)
    }
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** Parsed JSON for JSON types, a string for text, bytes otherwise (docs/library.md, "Responses and errors"). */
export function parseBody(bytes: Uint8Array, contentType: string | undefined): unknown {
  const semicolon = contentType?.indexOf(';') ?? -1
  const type = (semicolon === -1 ? (contentType ?? '') : contentType!.slice(0, semicolon)).trim().toLowerCase()
  const isJson = type === 'application/json' || type.endsWith('+json')
  if (isJson || type.startsWith('text/')) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    if (!isJson) return text
    if (text.trim() === '') return null
    try {
      return JSON.parse(text)
    } catch {
      // A provider that labels invalid JSON as JSON still gets its body back, as text.
      return text
    }
  }
  // A plain Uint8Array, not Node's Buffer subclass: the same type in every runtime.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
