/**
 * `stream: true` hands a 2xx body over unread, except one that declares at most 16 KiB: that one is read whole into
 * `data`, which costs less than a stream (docs/http-api.md, "Bodies"). A body without a declared length, or a larger
 * one, still streams.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wholeBodyBytes } from './attempt.js'
import { createHttpClient, type HttpClient } from './client.js'

const bodyOf = (size: number) => Buffer.alloc(size, 'a')

describe('a 2xx body asked for as a stream', () => {
  let server: Server
  let client: HttpClient

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://local').pathname
      if (path === '/small')
        response.writeHead(200, { 'content-length': String(wholeBodyBytes) }).end(bodyOf(wholeBodyBytes))
      else if (path === '/large') response.writeHead(200).end(bodyOf(wholeBodyBytes + 1))
      else {
        // No declared length: chunked.
        response.writeHead(200)
        response.write(bodyOf(10))
        response.end(bodyOf(10))
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    client = createHttpClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      egress: { allowHttp: true, allowPrivateNetworks: true },
    })
  })
  afterAll(async () => {
    await client.close()
    await new Promise((resolve) => server.close(resolve))
  })

  const read = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer())

  it('reads a body declaring at most 16 KiB whole, as bytes', async () => {
    const answer = await client.request<Uint8Array>({ path: '/small', raw: true, stream: true })
    expect(answer.stream).toBeUndefined()
    expect(Buffer.from(answer.data).equals(bodyOf(wholeBodyBytes))).toBe(true)
  })

  it('streams a larger body, and one without a declared length', async () => {
    const large = await client.request<Uint8Array>({ path: '/large', raw: true, stream: true })
    expect(large.stream).toBeDefined()
    expect((await read(large.stream!)).equals(bodyOf(wholeBodyBytes + 1))).toBe(true)
    const chunked = await client.request<Uint8Array>({ path: '/chunked', raw: true, stream: true })
    expect(chunked.stream).toBeDefined()
    expect((await read(chunked.stream!)).equals(bodyOf(20))).toBe(true)
  })
})
