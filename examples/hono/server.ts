/**
 * Junction inside a Hono app, on the built-in sandbox provider (development mode, embedded database in ./.junction):
 * `npm install && npm start`, then open http://127.0.0.1:3000 (README.md beside this file).
 *
 * Hono hands handlers a web `Request` (`c.req.raw`), which is what `junction.handle` takes. Junction reads the raw
 * body itself (webhook signatures need the exact bytes), so no middleware may read it first.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createJunction } from 'junction'

const port = Number(process.env.PORT ?? 3000)
const appUrl = `http://127.0.0.1:${port}`
const userId = 'u_1' // whoever your app's session says is signed in

const junction = await createJunction({
  // No integration configured: development serves the sandbox one. publicUrl is where handle() is reached.
  config: { publicUrl: `${appUrl}/junction`, allowedReturnUrls: [`${appUrl}/`] },
  dataDir: process.env.JUNCTION_DATA_DIR ?? './.junction',
  mode: 'development',
  basePath: '/junction',
})

const app = new Hono()

// The whole hub: connect pages, /oauth/callback, /v1, webhooks, the sandbox.
app.all('/junction/*', (c) => junction.handle(c.req.raw))

app.get('/', async (c) => {
  const { data } = await junction.connections.list({ integration: 'sandbox', userId, status: 'active' })
  return c.text(
    data.length === 0
      ? `${userId} has no sandbox account yet: open ${appUrl}/connect\n`
      : `${userId} is connected: open ${appUrl}/api/me for the sandbox's answer, through Junction\n`,
  )
})

// Sends the browser to a connect link: the sandbox's consent page, then back to `/`.
app.get('/connect', async (c) =>
  c.redirect(await junction.connectUrl({ integration: 'sandbox', userId, returnUrl: `${appUrl}/` })),
)

// A call to the provider as the user: Junction adds the token, refreshes it, retries and logs the call. The
// provider's Response (or Junction's own failure as JSON) goes back as it is.
app.get('/api/me', () => junction.fetch('sandbox', userId, '/me'))

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () =>
  console.log(`${appUrl} (Junction under /junction)`),
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    void junction.close().then(() => process.exit(0))
  })
}
