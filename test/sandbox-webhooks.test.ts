/**
 * The offline loop a newcomer sees in development (README, "Webhooks"): connect a sandbox account, create an item
 * through the proxy, and the sandbox's signed `item.created` webhook arrives at the hub, is verified with the
 * sandbox integration's generated secret, linked to the connection, and listed in `/v1/events`.
 */
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sandboxWebhookSecret } from '../src/sandbox/sandbox-app.js'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

type EventJson = { id: string; type: string; data: Record<string, unknown> }

describe('the sandbox sends webhooks to its hub', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let publicUrl: string

  beforeAll(async () => {
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, { publicUrl, sandbox: { autoApprove: true } })
    server = await listen(h.app, { host: '127.0.0.1', port })
  })
  afterAll(async () => {
    await server.close(100)
    await h.close()
  })

  async function connect(userId: string) {
    const response = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'sandbox', userId }),
    })
    const { url } = (await response.json()) as { url: string }
    const browser = new Browserless(publicUrl, h.app)
    let step = await browser.request(url)
    for (let hops = 0; step.location !== undefined && hops < 5; hops++) step = await browser.request(step.location)
    expect(step.status).toBe(200)
  }

  async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const value = await check()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error('no webhook event within 10 s')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  it('creates an item through the proxy, and a webhook.received event for that user appears in /v1/events', async () => {
    await connect('u_loop')
    const connection = (await (await h.call('/v1/connections/sandbox/u_loop')).json()) as { providerAccountId: string }
    const created = await h.call('/v1/proxy/sandbox/items', {
      method: 'POST',
      headers: { 'junction-user-id': 'u_loop' },
      body: JSON.stringify({ name: 'from the proxy' }),
    })
    expect(created.status).toBe(201)
    const item = (await created.json()) as { id: string }

    const event = await eventually(async () => {
      const page = (await (await h.call('/v1/events?type=webhook.received&userId=u_loop')).json()) as {
        data: EventJson[]
      }
      return page.data[0]
    })
    expect(event.data).toMatchObject({
      integration: 'sandbox',
      provider: 'sandbox',
      providerEventId: expect.stringMatching(/^msg_/),
      providerAccountId: connection.providerAccountId,
      userIds: ['u_loop'],
    })
    const body = JSON.parse(event.data.body as string) as { type: string; data: { id: string; name: string } }
    expect(body).toMatchObject({ type: 'item.created', data: { id: item.id, name: 'from the proxy' } })
  })

  it('signs with a whsec_ secret derived from the sandbox secret, which the hub refuses to see forged', async () => {
    const forged = `whsec_${Buffer.from('not-the-sandbox-webhook-secret!!').toString('base64')}`
    const body = JSON.stringify({ type: 'item.created', account_id: 'sandbox-u_loop', data: {} })
    const now = new Date()
    const response = await fetch(`${publicUrl}/webhooks/sandbox`, {
      method: 'POST',
      body,
      headers: {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(forged).sign('msg_forged', now, body),
      },
    })
    expect(response.status).toBe(401)
    expect(sandboxWebhookSecret(Buffer.alloc(32, 1))).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
  })
})
