/** verifyJunctionEvent: how an app checks an event the hub sent it (Standard Webhooks under JUNCTION_EVENTS_SECRET). */
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { statusForCode } from '../src/core/errors.js'
import { isJunctionError, type JunctionError, signWebhook, verifyJunctionEvent } from '../src/webhooks/index.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const nextSecret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const event = {
  id: 'evt_01JD6Z',
  type: 'connection.created',
  createdAt: '2026-11-27T19:23:45.123Z',
  data: { integration: 'slack', userId: 'u_1' },
}
const body = JSON.stringify(event)

function eventRequest(headers: Record<string, string>, requestBody: string | Uint8Array = body): Request {
  return new Request('http://localhost:3000/api/junction-events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: requestBody,
  })
}

async function refusal(promise: Promise<unknown>): Promise<JunctionError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (!isJunctionError(error)) throw new Error(`expected a JunctionError, got ${String(error)}`)
  return error
}

describe('verifyJunctionEvent', () => {
  it('returns the event signed by the hub', async () => {
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body, id: event.id })
    await expect(verifyJunctionEvent(eventRequest(headers), secret)).resolves.toEqual(event)
  })

  it("accepts the hub's signatures as the standardwebhooks package makes them", async () => {
    const now = new Date()
    const headers = {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.id, now, body),
    }
    await expect(verifyJunctionEvent(eventRequest(headers), secret)).resolves.toEqual(event)
  })

  it('accepts a comma-separated list of secrets, for rotation, and a hub signing with both', async () => {
    const byOld = signWebhook({ scheme: 'standard-webhooks', secret, body, id: event.id })
    const byNew = signWebhook({ scheme: 'standard-webhooks', secret: nextSecret, body, id: event.id })
    await expect(verifyJunctionEvent(eventRequest(byOld), `${nextSecret}, ${secret}`)).resolves.toEqual(event)
    await expect(verifyJunctionEvent(eventRequest(byNew), `${nextSecret},${secret}`)).resolves.toEqual(event)
    const both = { ...byOld, 'webhook-signature': `${byOld['webhook-signature']} ${byNew['webhook-signature']}` }
    await expect(verifyJunctionEvent(eventRequest(both), nextSecret)).resolves.toEqual(event)
  })

  it('throws invalid_signature (401) for another secret, a changed body or a missing signature, with the reason in cause', async () => {
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body, id: event.id })
    const wrongSecret = await refusal(verifyJunctionEvent(eventRequest(headers), nextSecret))
    expect(wrongSecret).toMatchObject({ code: 'invalid_signature', cause: 'signature_mismatch' })
    const changed = await refusal(verifyJunctionEvent(eventRequest(headers, body.replace('u_1', 'u_2')), secret))
    expect(changed).toMatchObject({ code: 'invalid_signature', cause: 'signature_mismatch' })
    const unsigned = await refusal(verifyJunctionEvent(eventRequest({}), secret))
    expect(unsigned).toMatchObject({ code: 'invalid_signature', cause: 'missing_id' })
  })

  it('maps invalid_signature to 401', () => {
    expect(statusForCode('invalid_signature')).toBe(401)
  })

  it('throws invalid_signature for an event signed outside the time window', async () => {
    const old = new Date(Date.now() - 301_000)
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body, id: event.id, timestamp: old })
    const error = await refusal(verifyJunctionEvent(eventRequest(headers), secret))
    expect(error).toMatchObject({ code: 'invalid_signature', cause: 'timestamp_out_of_tolerance' })
    await expect(verifyJunctionEvent(eventRequest(headers), secret, { toleranceSeconds: 400 })).resolves.toEqual(event)
  })

  it('throws invalid_json for a signed body that is not an event', async () => {
    for (const notAnEvent of ['[]', '{"id":"evt_1","type":"x","createdAt":"2026-11-27T19:23:45.123Z"}', 'not json']) {
      const headers = signWebhook({ scheme: 'standard-webhooks', secret, body: notAnEvent })
      const error = await refusal(verifyJunctionEvent(eventRequest(headers, notAnEvent), secret))
      expect(error.code).toBe('invalid_json')
    }
  })

  it('throws payload_too_large past maxBodyBytes, before verifying anything', async () => {
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body, id: event.id })
    const error = await refusal(verifyJunctionEvent(eventRequest(headers), secret, { maxBodyBytes: 10 }))
    expect(error.code).toBe('payload_too_large')
    const streamed = new Request('http://localhost/events', {
      method: 'POST',
      headers,
      body: new ReadableStream({
        pull(controller) {
          controller.enqueue(new Uint8Array(1024)) // endless: the reader must stop at the cap
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect((await refusal(verifyJunctionEvent(streamed, secret, { maxBodyBytes: 64 * 1024 }))).code).toBe(
      'payload_too_large',
    )
  })

  it('throws internal_error when no secret is given (JUNCTION_EVENTS_SECRET unset), so the hub retries', async () => {
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body })
    for (const missing of [undefined, '', ' , ']) {
      expect((await refusal(verifyJunctionEvent(eventRequest(headers), missing))).code).toBe('internal_error')
    }
  })
})
