/**
 * `POST /webhooks/:integration` on a socket is served by a Node route, ahead of the Hono app, on Node's own request
 * and response: it answers exactly what the app's route answers (status, headers that matter, body) for every kind
 * of delivery, and leaves every other request to the app. The dispatch itself is a small mechanism of its own.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Hono } from 'hono'
import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type NodeRoute, nodeRoutesOf, withNodeRoutes } from '../src/server/node-routes.js'
import { listen, type RunningServer } from '../src/server/serve.js'
import { signWebhook } from '../src/webhooks/index.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const standardSecret = `whsec_${Buffer.from('node-route-test-secret-32-bytes!').toString('base64')}`
const slackSecret = 'node-route-slack-signing-secret'
const hubspotSecret = 'node-route-hubspot-secret'
const publicUrl = 'https://hub.example'

interface Answer {
  status: number
  headers: Record<string, string | undefined>
  body: string
}

/** The headers both ways of serving must agree on. */
const compared = ['content-type', 'cache-control', 'junction-error', 'retry-after', 'allow'] as const

function pick(get: (name: string) => string | null | undefined): Record<string, string | undefined> {
  return Object.fromEntries(compared.map((name) => [name, get(name) ?? undefined]))
}

/** One request over a real socket, with Node's client (the headers exactly as given, repeated ones kept apart). */
function onSocket(port: number, method: string, path: string, headers: Record<string, string>, body = '') {
  return new Promise<Answer & { connection: string | undefined }>((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (incoming) => {
      readAll(incoming).then(
        (text) =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: pick((name) => incoming.headers[name] as string | undefined),
            body: text,
            connection: incoming.headers.connection,
          }),
        reject,
      )
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

function readAll(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    incoming.setEncoding('utf8')
    incoming.on('data', (chunk: string) => {
      text += chunk
    })
    incoming.on('end', () => resolve(text))
    incoming.on('error', reject)
  })
}

describe.each(backends())('the webhook Node route on $name', (backend) => {
  let h: ConnectionHarness
  let server: RunningServer

  beforeAll(async () => {
    h = await openConnectionHarness(backend, {
      publicUrl,
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks' },
        },
      },
      integrations: {
        hooks: { provider: 'hooks', webhookSecret: standardSecret },
        team: { provider: 'slack', clientId: 'c', clientSecret: 's', webhookSecret: slackSecret },
        crm: { provider: 'hubspot', clientId: 'c', clientSecret: hubspotSecret, webhookSecret: hubspotSecret },
      },
    })
    h.leaks.secret(standardSecret, slackSecret, hubspotSecret)
    server = await listen(h.app, { host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await server?.close(100)
    await h?.close()
  })

  const standard = (id: string, body: string) => {
    const now = new Date()
    return {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(standardSecret).sign(id, now, body),
    }
  }

  /** The same request to the app (`app.request`) and on the socket, first to the one, then to the other. */
  async function both(path: string, headers: Record<string, string>, body: string, method = 'POST') {
    const viaApp = await h.app.request(path, { method, headers, body: method === 'GET' ? null : body })
    const app: Answer = {
      status: viaApp.status,
      headers: pick((name) => viaApp.headers.get(name)),
      body: await viaApp.text(),
    }
    const socket = await onSocket(server.port, method, path, headers, method === 'GET' ? '' : body)
    return { app, socket }
  }

  it('is attached to the app that `listen` serves', () => {
    expect(nodeRoutesOf(h.app).map((route) => route.prefix)).toContain('/webhooks/')
  })

  it('stores a delivery and answers it as the app does, then answers its retry as a duplicate as the app does', async () => {
    const body = JSON.stringify({ type: 'thing.happened', n: 1 })
    const first = await onSocket(server.port, 'POST', '/webhooks/hooks', standard('msg_node_route_1', body), body)
    expect(first).toMatchObject({ status: 200, body: '{"received":true}' })
    const viaApp = await h.app.request('/webhooks/hooks', {
      method: 'POST',
      body: JSON.stringify({ type: 'thing.happened', n: 2 }),
      headers: standard('msg_node_route_2', JSON.stringify({ type: 'thing.happened', n: 2 })),
    })
    expect(first.headers).toEqual(pick((name) => viaApp.headers.get(name)))

    const { app, socket } = await both('/webhooks/hooks', standard('msg_node_route_1', body), body)
    expect(socket).toMatchObject(app)
    expect(socket).toMatchObject({ status: 200, body: '{"duplicate":true}' })
  })

  it.each([
    [
      'a signature that does not verify',
      '/webhooks/hooks',
      { 'webhook-id': 'm', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' },
    ],
    ['an integration that does not exist', '/webhooks/nothing-here', {}],
    ['a path under /webhooks/ with two segments', '/webhooks/hooks/extra', {}],
    ['an integration name percent-encoded', '/webhooks/hoo%6Bs', { 'webhook-id': 'm' }],
  ])('answers %s as the app does', async (_, path, headers) => {
    const { app, socket } = await both(path, headers, '{}')
    expect(socket).toMatchObject(app)
    expect(socket.status).toBeGreaterThanOrEqual(400)
  })

  it('answers another method on a webhook path as the app does (405 naming POST)', async () => {
    const { app, socket } = await both('/webhooks/hooks', {}, '', 'GET')
    expect(socket).toMatchObject(app)
    expect(socket.status).toBe(405)
  })

  it("answers Slack's signed url_verification with its challenge, as the app does", async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'challenge-node-route' })
    const headers = () => ({
      'content-type': 'application/json',
      ...signWebhook({ scheme: 'slack', secret: slackSecret, body }),
    })
    const viaApp = await h.app.request('/webhooks/team', { method: 'POST', headers: headers(), body })
    const socket = await onSocket(server.port, 'POST', '/webhooks/team', headers(), body)
    expect(socket).toMatchObject({ status: viaApp.status, body: await viaApp.text() })
    expect(socket.body).toBe('{"challenge":"challenge-node-route"}')
  })

  it('passes the query string on (HubSpot signs the whole URL, query included)', async () => {
    const body = JSON.stringify([{ eventId: 4242, portalId: 62515 }])
    const url = `${publicUrl}/webhooks/crm?portal=1&a=b%20c`
    const headers = {
      'content-type': 'application/json',
      ...signWebhook({ scheme: 'hubspot-v3', secret: hubspotSecret, body, url }),
    }
    const socket = await onSocket(server.port, 'POST', '/webhooks/crm?portal=1&a=b%20c', headers, body)
    expect(socket).toMatchObject({ status: 200, body: '{"received":true}' })
  })

  it('refuses a declared body past 1 MiB with 413 and closes the connection, as the app does', async () => {
    const headers = { 'content-type': 'application/json', 'content-length': String(1024 * 1024 + 1) }
    const viaApp = await h.app.request('/webhooks/hooks', {
      method: 'POST',
      headers,
      body: 'x'.repeat(1024 * 1024 + 1),
    })
    const socket = await onSocket(server.port, 'POST', '/webhooks/hooks', headers, 'x'.repeat(1024 * 1024 + 1)).catch(
      (error: Error) => error,
    )
    // The hub may hang up before the client has sent it all; when the answer arrived, it is the app's.
    if (!(socket instanceof Error)) {
      expect(socket).toMatchObject({ status: 413, headers: pick((name) => viaApp.headers.get(name)) })
      expect(socket.connection).toBe('close')
    }
    expect(viaApp.status).toBe(413)
  })
})

describe('Node routes ahead of an app', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close(100)
    server = undefined
  })

  it('hand a request to the first route that takes it, and everything else to the app', async () => {
    const app = new Hono().all('*', (c) => c.text(`app ${c.req.method} ${c.req.path}`))
    const route = (prefix: string, name: string): NodeRoute => ({
      prefix,
      methods: ['POST'],
      handle(request, response) {
        if (request.url?.endsWith('/pass')) return false
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end(`${name} ${request.url}`)
        return true
      },
    })
    withNodeRoutes(app, [route('/fast/', 'first'), route('/fast/', 'second'), route('/other/', 'other')])
    server = await listen(app, { host: '127.0.0.1', port: 0 })
    const port = server.port
    const text = async (method: string, path: string) => (await onSocket(port, method, path, {}, '')).body

    expect(await text('POST', '/fast/a')).toBe('first /fast/a')
    expect(await text('POST', '/other/b?x=1')).toBe('other /other/b?x=1')
    expect(await text('GET', '/fast/a')).toBe('app GET /fast/a')
    expect(await text('POST', '/fast/pass')).toBe('app POST /fast/pass')
    expect(await text('POST', '/fastish')).toBe('app POST /fastish')
  })

  it('leave an app without Node routes served by the adapter alone', async () => {
    const app = new Hono().all('*', (c) => c.text('app'))
    expect(nodeRoutesOf(app)).toEqual([])
    server = await listen(app, { host: '127.0.0.1', port: 0 })
    expect((await onSocket(server.port, 'POST', '/webhooks/x', {}, '')).body).toBe('app')
  })
})
