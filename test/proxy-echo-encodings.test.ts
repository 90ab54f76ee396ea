/**
 * The proxy against a careless provider that repeats the credential it was sent in an error body, a header or a
 * redirect's Location, in one encoding or another: no form of it comes back to the caller.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

/** A token with every character an encoder may change; its base64 holds `+`, `/` and padding. */
const token = `tok/en+a b&c<d"e'f=g-Secret99~~>?~`
const password = 'pass/word+&"9'

const encodeSpecials = (text: string, encode: (code: number) => string) =>
  Array.from(text, (character) => (/[A-Za-z0-9]/.test(character) ? character : encode(character.charCodeAt(0)))).join(
    '',
  )
const hex = (value: number, width: number) => value.toString(16).padStart(width, '0')

/** How the provider writes the secret back, by the last segment of the path. */
const encodings: Record<string, (secret: string) => string> = {
  'json-slash': (secret) => JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/'),
  'json-unicode': (secret) => encodeSpecials(secret, (code) => `\\u${hex(code, 4).toUpperCase()}`),
  'percent-lower': (secret) => encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (pair) => pair.toLowerCase()),
  'percent-upper': (secret) => encodeURIComponent(secret),
  'form-plus': (secret) => new URLSearchParams({ s: secret }).toString().slice(2),
  'html-hex': (secret) => encodeSpecials(secret, (code) => `&#x${hex(code, 2).toUpperCase()};`),
  'html-decimal': (secret) => encodeSpecials(secret, (code) => `&#${code};`),
  'html-named': (secret) =>
    secret.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;'),
  base64: (secret) => Buffer.from(secret).toString('base64'),
  'base64url-unpadded': (secret) => Buffer.from(secret).toString('base64url'),
}

/** The secret the request carried: a bearer token, or a basic password. */
function secretIn(authorization: string): string {
  if (authorization.startsWith('Bearer ')) return authorization.slice('Bearer '.length)
  const pair = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8')
  return pair.slice(pair.indexOf(':') + 1)
}

/** A provider whose error answers repeat the credential in the form its path names. */
async function startEchoingProvider(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://provider')
    const authorization = request.headers.authorization ?? ''
    const form = url.pathname.split('/').at(-1) ?? ''
    const encode = encodings[form]
    if (encode !== undefined) {
      response
        .writeHead(401, { 'content-type': 'text/plain' })
        .end(`invalid credential <${encode(secretIn(authorization))}>`)
      return
    }
    if (form === 'embedded') {
      // The request's headers as one base64 blob, the credential at the byte offset the query asks for.
      const before = 'x'.repeat(Number(url.searchParams.get('offset')))
      const blob = Buffer.from(`${before}${secretIn(authorization)}tail`).toString('base64')
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ debug: blob }))
      return
    }
    if (form === 'authorization') {
      // The whole header, `Basic <base64 of user:password>` for basic auth.
      response.writeHead(400, { 'content-type': 'text/plain', 'x-you-sent': authorization }).end(authorization)
      return
    }
    if (form === 'moved') {
      // A redirect repeating the query, its key percent-encoded in lower case (never followed by Junction).
      const key = url.searchParams.get('api_key') ?? ''
      response.writeHead(302, { location: `/elsewhere?k=${encodings['percent-lower']?.(key)}` }).end()
      return
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('the proxy scrubs echoed credentials in every encoding', () => {
  let h: ConnectionHarness
  let provider: { url: string; server: Server }

  beforeAll(async () => {
    provider = await startEchoingProvider()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        bearer: {
          auth: { type: 'oauth2', authorizeUrl: 'http://127.0.0.1/authorize', tokenUrl: 'http://127.0.0.1/token' },
          api: { baseUrl: `${provider.url}/v1` },
        },
        basicauth: { auth: { type: 'basic' }, api: { baseUrl: `${provider.url}/v1` } },
        querykey: { auth: { type: 'api_key', query: 'api_key' }, api: { baseUrl: `${provider.url}/v1` } },
      },
      integrations: {
        bearer: { provider: 'bearer', clientId: 'c', clientSecret: 's' },
        basicauth: { provider: 'basicauth' },
        querykey: { provider: 'querykey' },
      },
    })
    for (const [integration, credentials] of [
      ['bearer', { accessToken: token }],
      ['basicauth', { username: 'someone', password }],
      ['querykey', { apiKey: 'key/with+and&99' }],
    ] as const) {
      const created = await h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration, userId: 'u_1', credentials }),
      })
      expect(created.status).toBe(201)
    }
  })
  afterAll(async () => {
    try {
      await h?.close()
    } finally {
      await new Promise((resolve) => provider?.server.close(resolve))
    }
  })

  const call = (path: string) =>
    h.app.request(path, { headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1' } })

  it.each(Object.keys(encodings))('an access token echoed %s', async (form) => {
    const encoded = encodings[form]?.(token) ?? ''
    expect(encoded).not.toBe(token)
    const response = await call(`/v1/proxy/bearer/echo/${form}`)
    expect(response.status).toBe(401)
    expect(await response.text()).toBe('invalid credential <[redacted]>')
  })

  it.each(Object.keys(encodings))('a basic password echoed %s', async (form) => {
    const response = await call(`/v1/proxy/basicauth/echo/${form}`)
    expect(response.status).toBe(401)
    expect(await response.text()).toBe('invalid credential <[redacted]>')
  })

  it.each([3, 4, 5])('an access token base64-encoded inside a longer blob, %i bytes in', async (offset) => {
    const response = await call(`/v1/proxy/bearer/embedded?offset=${offset}`)
    const blob = ((await response.json()) as { debug: string }).debug
    const whole = Buffer.from(`${'x'.repeat(offset)}${token}tail`).toString('base64')
    // What is left holds only the bytes around the token.
    expect(blob).toBe(
      `${whole.slice(0, Math.floor((offset * 8) / 6))}[redacted]${whole.slice(Math.ceil(((offset + token.length) * 8) / 6))}`,
    )
  })

  it('a basic Authorization header echoed whole, base64 pair and all', async () => {
    const response = await call('/v1/proxy/basicauth/authorization')
    expect(response.status).toBe(400)
    expect(await response.text()).toBe('Basic [redacted]')
    expect(response.headers.get('x-you-sent')).toBe('Basic [redacted]')
  })

  it("a query-string key in a redirect's Location, percent-encoded in lower case", async () => {
    const response = await call('/v1/proxy/querykey/moved')
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/elsewhere?k=[redacted]')
  })
})
