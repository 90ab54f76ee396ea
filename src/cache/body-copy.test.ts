/** The copy kept beside a streamed body: handed over only whole and within the cap, never holding the stream back. */
import { describe, expect, it } from 'vitest'
import { copiedWhilePassing } from './body-copy.js'

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
}

const chunks = (count: number, size: number) =>
  Array.from({ length: count }, (_, index) => new Uint8Array(size).fill(index))

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer())
}

describe('copiedWhilePassing', () => {
  it('hands over the whole body when it ends within the cap', async () => {
    const copies: Uint8Array[] = []
    const passed = await readAll(copiedWhilePassing(streamOf(chunks(4, 100)), 400, (bytes) => copies.push(bytes)))
    expect(passed).toEqual(Buffer.concat(chunks(4, 100)))
    expect(copies).toHaveLength(1)
    expect(Buffer.from(copies[0]!)).toEqual(passed)
  })

  it('hands over a copy that holds exactly its bytes (no shared pool slab pinned by a small body)', async () => {
    const copies: Uint8Array[] = []
    const source = [new Uint8Array(20).fill(1), new Uint8Array(15).fill(2)]
    await readAll(copiedWhilePassing(streamOf(source), 400, (bytes) => copies.push(bytes)))
    expect(copies[0]!.byteLength).toBe(35)
    expect(copies[0]!.buffer.byteLength).toBe(35)
    // A copy: changing what passed changes nothing kept.
    source[0]!.fill(9)
    expect(copies[0]![0]).toBe(1)
  })

  it('lets the copy go past the cap, and the body still passes whole', async () => {
    const copies: Uint8Array[] = []
    const passed = await readAll(copiedWhilePassing(streamOf(chunks(5, 100)), 400, (bytes) => copies.push(bytes)))
    expect(passed).toEqual(Buffer.concat(chunks(5, 100)))
    expect(copies).toHaveLength(0)
  })

  it('hands over nothing when the body fails or is cancelled', async () => {
    const copies: Uint8Array[] = []
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10))
        controller.error(new Error('provider went away'))
      },
    })
    await expect(readAll(copiedWhilePassing(failing, 400, (bytes) => copies.push(bytes)))).rejects.toThrow()
    const reader = copiedWhilePassing(streamOf(chunks(3, 10)), 400, (bytes) => copies.push(bytes)).getReader()
    await reader.read()
    await reader.cancel()
    expect(copies).toHaveLength(0)
  })
})
