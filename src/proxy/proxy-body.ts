/**
 * @module A library call's body in the form the proxy takes, by the same rules as the HTTP proxy (docs/http-api.md,
 * "Bodies"): up to 1 MiB as bytes, which can be sent again; larger (up to 10 MiB) as a stream, sent once.
 */
import { Readable } from 'node:stream'
import { JunctionError } from '../core/errors.js'
import { bufferedBodyBytes, maxProxyBodyBytes } from './body-limits.js'

export interface ProxyBody {
  body: Uint8Array | Readable | undefined
  /** The length of a streamed body, when known (many APIs refuse a chunked upload). */
  length: number | undefined
}

/**
 * Reads a request's body: whole when it is at most 1 MiB, else its first MiB and then the rest as it comes.
 * `knownLength` is the size of the body the caller gave, when it was a value rather than a stream.
 */
export async function proxyBody(request: Request, knownLength: number | undefined): Promise<ProxyBody> {
  if (knownLength !== undefined && knownLength > maxProxyBodyBytes) throw tooLarge()
  if (request.body === null) return { body: undefined, length: undefined }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size <= bufferedBodyBytes) {
    const { done, value } = await reader.read()
    if (done) {
      if (size === 0) return { body: undefined, length: undefined }
      return { body: Buffer.concat(chunks, size), length: undefined }
    }
    chunks.push(value)
    size += value.byteLength
  }
  const rest = Readable.from(cappedChunks(chunks, size, reader))
  // A stream the proxy lets go of unread (the call failed first) cancels the caller's source, so that nothing the
  // caller opened (a file, a socket) stays open until garbage collection.
  rest.once('close', () => {
    if (!rest.readableEnded) reader.cancel().catch(() => undefined)
  })
  return { body: rest, length: knownLength ?? declaredLength(request) }
}

/** The chunks already read, then the rest, failing past 10 MiB (the proxy then answers `payload_too_large`). */
async function* cappedChunks(
  first: Uint8Array[],
  firstSize: number,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let size = firstSize
  if (size > maxProxyBodyBytes) throw tooLarge()
  yield* first
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        finished = true
        return
      }
      size += value.byteLength
      if (size > maxProxyBodyBytes) throw tooLarge()
      yield value
    }
  } finally {
    if (finished) reader.releaseLock()
    else await reader.cancel().catch(() => undefined)
  }
}

function tooLarge(): JunctionError {
  return new JunctionError('payload_too_large', `the request body is larger than ${maxProxyBodyBytes} bytes`)
}

function declaredLength(request: Request): number | undefined {
  const declared = request.headers.get('content-length')
  return declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined
}

/** The byte size of a body given as a value (a stream's is unknown until read). */
export function knownBodyLength(body: RequestInit['body']): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength
  if (body instanceof Blob) return body.size
  if (body instanceof URLSearchParams) return Buffer.byteLength(body.toString())
  return undefined
}
