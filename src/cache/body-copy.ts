/**
 * @module A success body streamed to the caller as it comes, with a copy kept on the side for the cache: chunks are
 * copied as they pass, never held back; once the copy passes `maxBytes` it is let go (the body still streams whole),
 * and it is handed over only if the body arrived to its end within the cap. A body that fails or is cancelled is
 * never handed over.
 */

export function copiedWhilePassing(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  onWhole: (bytes: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  let chunks: Uint8Array[] | undefined = []
  let size = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (chunks !== undefined) {
          size += chunk.byteLength
          if (size > maxBytes) chunks = undefined
          else chunks.push(chunk.slice())
        }
        controller.enqueue(chunk)
      },
      flush() {
        if (chunks !== undefined) onWhole(Buffer.concat(chunks))
      },
    }),
  )
}
