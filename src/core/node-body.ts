/**
 * @module The start of a request body on Node's own `IncomingMessage`: read whole up to a number of bytes, or up to
 * the chunk that passes them (the request is then paused, the rest unread, for the caller to refuse or to stream).
 * One reader for the routes served on Node's socket: the webhook inbox refuses what passes its cap, the proxy streams
 * it on. The request is never destroyed here, so that the caller can still answer.
 */
import type { IncomingMessage } from 'node:http'

export type NodeBodyStart =
  /** The whole body, within the bytes asked for. */
  | { kind: 'whole'; body: Buffer }
  /** The chunks read until their total passed the bytes asked for; the request is paused after them. */
  | { kind: 'more'; chunks: Buffer[]; size: number }
  /** Not all there within `timeoutMs`; the request is paused. */
  | { kind: 'timeout' }
  /** The caller went away first. */
  | { kind: 'aborted' }

export function readNodeBodyStart(
  request: IncomingMessage,
  options: { wholeUpTo: number; timeoutMs?: number | undefined },
): Promise<NodeBodyStart> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (read: NodeBodyStart) => {
      if (timer !== undefined) clearTimeout(timer)
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('close', onClose)
      resolve(read)
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size <= options.wholeUpTo) return
      request.pause()
      finish({ kind: 'more', chunks, size })
    }
    const onEnd = () => finish({ kind: 'whole', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) })
    const onClose = () => finish({ kind: 'aborted' })
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            request.pause()
            finish({ kind: 'timeout' })
          }, options.timeoutMs)
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('close', onClose)
    // A connection reset while sending ends in `close` too; this listener only keeps it from being thrown.
    request.on('error', () => undefined)
  })
}
