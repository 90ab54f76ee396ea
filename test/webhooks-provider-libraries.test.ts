/**
 * Signatures made by the providers' own libraries verify with verifyWebhook, and signWebhook's signatures verify
 * with those libraries' verifiers: the schemes are implemented as the providers implement them, not as we read
 * their documentation.
 */
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { signWebhook, verifyWebhook, webhookSchemes } from '../src/webhooks/index.js'

const stripe = new Stripe('sk_test_not_a_real_key')

describe('Stripe (the stripe package)', () => {
  const secret = 'whsec_test_secret_for_junction'
  const body = JSON.stringify({ id: 'evt_1QxYz', object: 'event', type: 'invoice.paid', data: { object: {} } }, null, 2)

  it('accepts a header made by stripe.webhooks.generateTestHeaderString, and takes the event id from the body', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret })
    expect(
      verifyWebhook({ scheme: 'stripe', secrets: [secret], headers: { 'Stripe-Signature': header }, body }),
    ).toEqual({
      ok: true,
      eventId: 'evt_1QxYz',
      timestamp: expect.any(Date),
    })
  })

  it("refuses stripe's header for another body, or under another secret", () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret })
    const headers = { 'Stripe-Signature': header }
    expect(verifyWebhook({ scheme: 'stripe', secrets: [secret], headers, body: `${body} ` }).ok).toBe(false)
    expect(verifyWebhook({ scheme: 'stripe', secrets: [`${secret}2`], headers, body }).ok).toBe(false)
  })

  it('signs what stripe.webhooks.constructEvent accepts', () => {
    const headers = signWebhook({ scheme: 'stripe', secret, body })
    const event = stripe.webhooks.constructEvent(body, headers['stripe-signature']!, secret)
    expect(event.id).toBe('evt_1QxYz')
  })
})

describe('Standard Webhooks (the standardwebhooks package)', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const body = '{"type":"connection.created","data":{"userId":"u_1"}}'

  it("accepts a signature made by the package's Webhook.sign", () => {
    const now = new Date()
    const headers = {
      'webhook-id': 'msg_2b4e',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_2b4e', now, body),
    }
    expect(verifyWebhook({ scheme: 'standard-webhooks', secrets: [secret], headers, body })).toMatchObject({
      ok: true,
      eventId: 'msg_2b4e',
    })
  })

  it("signs what the package's Webhook.verify accepts", () => {
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body })
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })
})

describe('GitHub (@octokit/webhooks-methods)', () => {
  const secret = "It's a Secret to Everybody"
  const body = '{"action":"opened","number":1,"message":"caf\\u00E9"}'

  it("accepts a signature made by octokit's sign", async () => {
    const headers = { 'X-Hub-Signature-256': await octokitSign(secret, body), 'X-GitHub-Delivery': '72d3162e-cc78' }
    expect(verifyWebhook({ scheme: 'github', secrets: [secret], headers, body })).toEqual({
      ok: true,
      eventId: '72d3162e-cc78',
      timestamp: undefined,
    })
  })

  it("signs what octokit's verify accepts", async () => {
    const headers = signWebhook({ scheme: 'github', secret, body })
    await expect(octokitVerify(secret, body, headers['x-hub-signature-256']!)).resolves.toBe(true)
  })
})

describe('signWebhook and verifyWebhook together', () => {
  it.each(webhookSchemes)('%s: what signWebhook signs, verifyWebhook accepts', (scheme) => {
    const secret = scheme === 'standard-webhooks' ? 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' : 'a-signing-secret'
    const body = new TextEncoder().encode('[{"eventId":7,"event_id":"Ev1","id":"evt_1"}]')
    const url = 'https://junction.example/webhooks/hubspot?portal=62515'
    const headers = signWebhook({ scheme, secret, body, url, id: 'delivery-1' })
    const result = verifyWebhook({ scheme, secrets: [secret], headers, body, url })
    expect(result.ok).toBe(true)
  })
})
