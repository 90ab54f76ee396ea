/**
 * @module A success body streamed to the caller as it comes, with a copy kept on the side for the cache: chunks are
 * copied as they pass, never held back; once the copy passes `maxBytes` it is let go (the body still streams whole),
 * and it is handed over only if the body arrived to its end within the cap. A body that fails or is cancelled is
 * never handed over. The copy handed over is one exact `Uint8Array` of the body's size: a `Buffer` under 4 KiB would
 * come from Node's shared 8 KiB pool and keep the whole slab alive for as long as the entry is kept.
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
          // Copied into new memory of its own size (a Buffer's `slice()` would only be a view of the chunk, whose
          // memory goes on to the caller and may be reused).
          else chunks.push(new Uint8Array(chunk))
        }
        controller.enqueue(chunk)
      },
      flush() {
        if (chunks !== undefined) onWhole(joined(chunks, size))
      },
    }),
  )
}

/** The chunks in one new `Uint8Array` of exactly `size` bytes. */
function joined(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.buffer.byteLength === size) return chunks[0]!
  const whole = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.byteLength
  }
  return whole
}
