/**
 * Junction inside an Express app, on the built-in sandbox provider (development mode, embedded database in
 * ./.junction): `npm install && npm start`, then open http://127.0.0.1:3000 (README.md beside this file).
 *
 * Express hands handlers Node's request and response; the `getRequestListener` adapter of @hono/node-server turns them
 * into a web `Request` for `junction.handle` and writes its `Response` back. Junction reads the raw body itself
 * (webhook signatures need the exact bytes), so it is mounted before any body parser.
 */
import { getRequestListener } from '@hono/node-server'
import express from 'express'
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

const app = express()

// Not `app.use('/junction', …)`: that strips the prefix from req.url, and handle() routes on the full path.
const junctionListener = getRequestListener((request) => junction.handle(request))
app.use((req, res, next) => {
  if (req.path === '/junction' || req.path.startsWith('/junction/')) void junctionListener(req, res)
  else next()
})

// The app's own routes (a body parser, if any, goes after Junction).
app.get('/', async (_req, res) => {
  const { data } = await junction.connections.list({ integration: 'sandbox', userId, status: 'active' })
  res
    .type('text/plain')
    .send(
      data.length === 0
        ? `${userId} has no sandbox account yet: open ${appUrl}/connect\n`
        : `${userId} is connected: open ${appUrl}/api/me for the sandbox's answer, through Junction\n`,
    )
})

// Sends the browser to a connect link: the sandbox's consent page, then back to `/`.
app.get('/connect', async (_req, res) => {
  res.redirect(await junction.connectUrl({ integration: 'sandbox', userId, returnUrl: `${appUrl}/` }))
})

// A call to the provider as the user: Junction adds the token, refreshes it, retries and logs the call.
app.get('/api/me', async (_req, res) => {
  const response = await junction.fetch('sandbox', userId, '/me')
  // Junction's own failures name their code in Junction-Error (connection_not_found before connecting, say).
  const failure = response.headers.get('junction-error')
  if (failure !== null) res.setHeader('junction-error', failure)
  res
    .status(response.status)
    .type(response.headers.get('content-type') ?? 'application/json')
    .send(await response.text())
})

const server = app.listen(port, '127.0.0.1', () => console.log(`${appUrl} (Junction under /junction)`))

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    server.closeAllConnections()
    void junction.close().then(() => process.exit(0))
  })
}
