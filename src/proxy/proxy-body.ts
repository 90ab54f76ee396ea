/**
 * @module A call's body in the form the proxy takes, by the rules of docs/http-api.md, "Bodies": up to 1 MiB as
 * bytes, which can be sent again; larger (up to 10 MiB) as a stream, sent once. Read from a web `Request` (the
 * library, the app's route) or from Node's `IncomingMessage` (the hub's socket), by the same rules.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { JunctionError } from '../core/errors.js'
import { readNodeBodyStart } from '../core/node-body.js'
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

export type NodeBodyRead =
  | { kind: 'body'; body: Uint8Array | Readable | undefined }
  | { kind: 'too_large' }
  | { kind: 'timeout' }
  | { kind: 'aborted' }

/**
 * Reads the body of a request on Node's socket by the same rules: a declared length past 10 MiB is `too_large` before
 * a byte is read; up to 1 MiB is read whole, within `timeoutMs` (the call's budget; past it, `timeout`); past 1 MiB
 * the rest streams as it comes (the call's budget then bounds the upload), failing past 10 MiB. The request is never
 * destroyed here: a stream the proxy lets go of only stops reading, so that the caller can still be answered.
 */
export function proxyBodyOfNode(request: IncomingMessage, timeoutMs: number): Promise<NodeBodyRead> {
  const declared = request.headers['content-length']
  if (declared !== undefined && Number(declared) > maxProxyBodyBytes) return Promise.resolve({ kind: 'too_large' })
  if (declared === '0' || (declared === undefined && request.headers['transfer-encoding'] === undefined))
    return Promise.resolve({ kind: 'body', body: undefined })
  return readNodeBodyStart(request, { wholeUpTo: bufferedBodyBytes, timeoutMs }).then((start): NodeBodyRead => {
    if (start.kind === 'whole') return { kind: 'body', body: start.body.length === 0 ? undefined : start.body }
    if (start.kind === 'more') return { kind: 'body', body: restOfBody(request, start.chunks, start.size) }
    return start
  })
}

/** The chunks read so far, then the rest of the request as it comes, failing past 10 MiB. */
function restOfBody(request: IncomingMessage, first: Buffer[], firstSize: number): Readable {
  let size = firstSize
  const stop = () => {
    request.off('data', onData)
    request.off('end', onEnd)
    request.off('close', onClose)
  }
  const rest = new Readable({
    read: () => {
      request.resume()
    },
    destroy: (error, callback) => {
      stop()
      request.pause()
      callback(error)
    },
  })
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > maxProxyBodyBytes) rest.destroy(tooLarge())
    else if (!rest.push(chunk)) request.pause()
  }
  const onEnd = () => {
    stop()
    rest.push(null)
  }
  const onClose = () => {
    if (!request.complete) rest.destroy(new JunctionError('aborted', 'the caller went away while sending the body'))
  }
  if (size > maxProxyBodyBytes) {
    rest.destroy(tooLarge())
    return rest
  }
  for (const chunk of first) rest.push(chunk)
  request.on('data', onData)
  request.on('end', onEnd)
  request.on('close', onClose)
  return rest
}
