/**
 * An Express app with Junction mounted at /junction. Express hands handlers Node's request and response; the
 * `getRequestListener` adapter of @hono/node-server turns them into a web `Request` for `junction.handle` and writes
 * its `Response` back. Junction reads the raw body itself (webhook signatures need the exact bytes), so it is mounted
 * before any body parser.
 */
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import { createJunction } from 'junction'

const junction = await createJunction({
  config: './junction.config.json', // its publicUrl is http://localhost:3000/junction
  dataDir: './.junction',
  encryptionKeys: process.env.JUNCTION_ENCRYPTION_KEYS,
  mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
  basePath: '/junction',
  secrets: process.env,
})

const app = express()

// Not `app.use('/junction', …)`: that would strip the prefix from req.url, and handle() routes on the full path.
const junctionListener = getRequestListener((request) => junction.handle(request))
app.use((req, res, next) => {
  if (req.path === '/junction' || req.path.startsWith('/junction/')) void junctionListener(req, res)
  else next()
})

// The app's own routes, with their body parser after Junction.
app.use(express.json())

app.post('/api/messages', async (req, res) => {
  const userId = 'u_1' // from your session
  const message = await junction.slack(userId).chat.postMessage({ channel: req.body.channel, text: req.body.text })
  res.json({ ts: message.ts })
})

app.get('/api/stripe-customers', async (_req, res) => {
  // Any provider API through the proxy: credentials, rate limits, retries and the call log apply.
  const response = await junction.fetch('billing', null, '/v1/customers?limit=10')
  res.status(response.status).json(await response.json())
})

const server = app.listen(3000, '127.0.0.1', () => console.log('http://localhost:3000 (Junction under /junction)'))

process.on('SIGTERM', () => {
  server.close(() => {
    void junction.close().then(() => process.exit(0))
  })
})
