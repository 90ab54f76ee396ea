/** The leak check that every harness suite runs on close: it must find a leak where one is, and only there. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { withNodeRoutes } from '../src/server/node-routes.js'
import { listen } from '../src/server/serve.js'
import { createLeakWatch } from './helpers/leak-watch.js'

const accessToken = 'at_0123456789abcdef'
const refreshToken = 'rt_0123456789abcdef'

function leakyApp() {
  return new Hono()
    .post('/v1/connections', (c) => c.json({ userId: 'u_1' }, 201))
    .get('/v1/connections/acme/u_1', (c) => c.json({ userId: 'u_1', accessToken }))
    .get('/v1/connections/acme/u_2', (c) => c.json({ userId: 'u_2' }))
    .get('/v1/connections/acme/u_1/token', (c) => c.json({ accessToken, tokenType: 'bearer' }))
    .get('/v1/connections/acme/u_3/token', (c) => c.json({ accessToken, refreshToken }))
    .get('/v1/proxy/acme/echo', (c) => c.text(`you sent ${accessToken}`))
    .get('/v1/proxy/acme/error', (c) => c.text(`bad token ${accessToken}`, 401))
    .get('/header', (c) => c.text('ok', 200, { 'x-debug': refreshToken }))
}

async function watched(paths: string[]) {
  const app = leakyApp()
  const watch = createLeakWatch()
  watch.watch(app)
  await app.request('/v1/connections', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ integration: 'acme', userId: 'u_1', credentials: { accessToken, refreshToken } }),
  })
  for (const path of paths) await (await app.request(path)).text()
  return (await watch.leaks()).map((leak) => leak.answer)
}

describe('the leak watch', () => {
  it('finds a token in a route that must not carry one, learnt from the imported credentials', async () => {
    expect(await watched(['/v1/connections/acme/u_1'])).toEqual(['GET /v1/connections/acme/u_1 200'])
  })

  it('finds nothing where nothing leaks', async () => {
    expect(await watched(['/v1/connections/acme/u_2'])).toEqual([])
  })

  it('lets the token route carry its accessToken field, and nothing else secret', async () => {
    expect(await watched(['/v1/connections/acme/u_1/token'])).toEqual([])
    expect(await watched(['/v1/connections/acme/u_3/token'])).toEqual(['GET /v1/connections/acme/u_3/token 200'])
  })

  it("reads the proxy's error answers and headers everywhere, not the provider's success bodies", async () => {
    expect(await watched(['/v1/proxy/acme/echo'])).toEqual([])
    expect(await watched(['/v1/proxy/acme/error', '/header'])).toEqual([
      'GET /v1/proxy/acme/error 401',
      'GET /header 200',
    ])
  })

  it('finds secrets a test names, in any text', () => {
    const watch = createLeakWatch()
    watch.secret('sk_live_secret_value', 'x')
    expect(watch.secretsIn('log: sk_live_secret_value x')).toEqual(['sk_liv…'])
  })
})

describe('the leak watch on a socket', () => {
  it("reads what the app's Node routes write (the proxy and webhooks on a socket), not only the app's answers", async () => {
    const app = withNodeRoutes(new Hono(), [
      {
        prefix: '/v1/proxy/',
        methods: ['GET'],
        handle(request, response) {
          if (!request.url?.startsWith('/v1/proxy/acme/')) return false
          const status = request.url.endsWith('/error') ? 401 : 200
          response.writeHead(status, { 'content-type': 'text/plain' })
          response.write('bad token ')
          response.end(accessToken)
          return true
        },
      },
    ])
    const watch = createLeakWatch()
    watch.watch(app)
    watch.secret(accessToken)
    const server = await listen(app, { host: '127.0.0.1', port: 0 })
    try {
      for (const path of ['/v1/proxy/acme/echo', '/v1/proxy/acme/error'])
        await (await fetch(`${server.url}${path}`)).text()
    } finally {
      await server.close(0)
    }
    expect((await watch.leaks()).map((leak) => leak.answer)).toEqual(['GET /v1/proxy/acme/error 401'])
  })
})
