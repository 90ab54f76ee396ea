import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { signWebhook } from '../sign-webhook.js'
import { verifyWebhook } from '../verify-webhook.js'
import { signerFor } from './standard-webhooks.js'

describe('the standard-webhooks MAC', () => {
  it("computes a whsec_ secret's MAC with node:crypto, on the key the package decodes", () => {
    expect(signerFor(`whsec_${randomBytes(32).toString('base64')}`)).toHaveProperty('key')
  })

  it('has no signer for a secret the package refuses (empty, or not base64)', () => {
    expect(signerFor('whsec_')).toBeUndefined()
    expect(signerFor('whsec_not base64!')).toBeUndefined()
  })

  it('accepts what the package signs, for keys of every length, with or without the whsec_ prefix', () => {
    for (let length = 1; length <= 80; length++) {
      const encoded = randomBytes(length).toString('base64')
      for (const secret of [`whsec_${encoded}`, encoded]) {
        const body = `{"n":${length},"text":"é ${secret.length}"}`
        const now = new Date()
        const headers = {
          'webhook-id': `msg_${length}`,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(`msg_${length}`, now, body),
        }
        const verified = verifyWebhook({ scheme: 'standard-webhooks', secrets: [secret], headers, body })
        expect(verified, secret).toMatchObject({ ok: true })
        const other = verifyWebhook({
          scheme: 'standard-webhooks',
          secrets: [`whsec_${randomBytes(length).toString('base64')}`],
          headers,
          body,
        })
        expect(other).toEqual({ ok: false, reason: 'signature_mismatch' })
      }
    }
  })

  it('signs what the package verifies', () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`
    const body = '{"type":"thing.happened"}'
    const headers = signWebhook({ scheme: 'standard-webhooks', secret, body })
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'thing.happened' })
  })
})
