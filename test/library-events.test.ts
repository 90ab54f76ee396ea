/**
 * `junction.events` (docs/library.md): the `/v1/events` API as functions, on the same feed and with the same input
 * checks, next to a webhook received through `handle()` under the application's base path (HubSpot signs the public
 * URL, base path included).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJunction, isJunctionError, type Junction } from '../src/index.js'
import { signWebhook } from '../src/webhooks/index.js'
import { temporaryDirectory } from './helpers/cli.js'

const hubspotSecret = 'library-events-hubspot-secret'
const publicUrl = 'https://app.example/junction'

describe('junction.events on an embedded data dir', () => {
  const workdir = temporaryDirectory()
  let junction: Junction

  beforeAll(async () => {
    junction = await createJunction({
      config: {
        publicUrl,
        integrations: {
          crm: { provider: 'hubspot', clientId: 'c', clientSecret: hubspotSecret, webhookSecret: hubspotSecret },
        },
      },
      dataDir: join(workdir.path, 'data'),
      encryptionKeys: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
      mode: 'production',
      basePath: '/junction',
    })
  })
  afterAll(async () => {
    await junction.close()
    workdir.remove()
  })

  it('lists, reads and redelivers the webhook received through handle()', async () => {
    const body = JSON.stringify([{ eventId: 77, portalId: 62515, subscriptionType: 'contact.creation' }])
    const headers = signWebhook({ scheme: 'hubspot-v3', secret: hubspotSecret, body, url: `${publicUrl}/webhooks/crm` })
    const response = await junction.handle(
      new Request('http://127.0.0.1/junction/webhooks/crm', { method: 'POST', body, headers }),
    )
    expect(response.status).toBe(200)

    const page = await junction.events.list({ type: 'webhook.received', limit: 10 })
    expect(page.data).toHaveLength(1)
    const [event] = page.data
    expect(event).toMatchObject({
      type: 'webhook.received',
      data: { integration: 'crm', provider: 'hubspot', providerEventId: '77', providerAccountId: '62515', body },
      delivery: { status: 'pending', attempts: 0 },
    })
    expect(await junction.events.list({ cursor: page.nextCursor!, type: 'webhook.received' })).toEqual({
      data: [],
      nextCursor: null,
    })
    expect(await junction.events.get(event!.id)).toEqual(event)
    expect((await junction.events.redeliver(event!.id)).delivery.status).toBe('pending')
    expect(await junction.events.redeliverMany({ status: 'dead' })).toEqual({ count: 0 })
  })

  it('throws not_found and invalid_request as the routes answer them', async () => {
    const missing = await junction.events.get('7d5f5b2e-0000-4000-8000-000000000000').catch((error) => error)
    expect(isJunctionError(missing) && missing.code).toBe('not_found')
    const bad = await junction.events.list({ status: 'lost' as 'dead' }).catch((error) => error)
    expect(isJunctionError(bad) && bad.code).toBe('invalid_request')
    const selection = await junction.events.redeliverMany({ status: 'delivered' as 'dead' }).catch((error) => error)
    expect(isJunctionError(selection) && selection.code).toBe('invalid_request')
  })
})
