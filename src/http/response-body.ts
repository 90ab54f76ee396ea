/** @module Reading a response body under a size cap, and turning it into data by its content type. */
import { JunctionError } from '../core/errors.js'
import type { TransportResponse } from './transport.js'

/** Reads the whole body; past `maxBytes` the connection is dropped and `response_too_large` thrown. */
export async function readCappedBody(
  response: TransportResponse,
  maxBytes: number,
  describe: () => string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength
      if (size > maxBytes) {
        response.discard()
        throw new JunctionError('response_too_large', `${describe()}: response body is larger than ${maxBytes} bytes`)
      }
      chunks.push(chunk)
    }
  } catch (error) {
    response.discard()
    throw error
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** Parsed JSON for JSON types, a string for text, bytes otherwise (CONTRACT.md §5). */
export function parseBody(bytes: Uint8Array, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
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
