/**
 * The providers' published test vectors (and the ones computed with their own libraries where none is published),
 * kept in test/fixtures/webhook-vectors.json: each verifies, and fails once any one byte of its body or its
 * signature is changed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type VerifyWebhookOptions, verifyWebhook } from '../src/webhooks/index.js'

interface Vector {
  scheme: string
  secret: string
  body: string
  expected: string
  timestamp?: string
  id?: string
  method?: string
  uri?: string
  published: boolean
}

const vectors: Vector[] = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/webhook-vectors.json'), 'utf8'))

/** A vector as a request: the signature, where it sits in the headers, and the rest of the options. */
interface VectorRequest {
  /** The encoded signature alone (hex or base64), which the byte-changing loops alter. */
  signature: string
  alphabet: 'hex' | 'base64'
  options(signature: string, body: Uint8Array): VerifyWebhookOptions
}

function requestFor(vector: Vector): VectorRequest {
  const secrets = [vector.secret]
  const seconds = () => new Date(Number(vector.timestamp) * 1000)
  switch (vector.scheme) {
    case 'slack-v0':
      return {
        signature: vector.expected.slice('v0='.length),
        alphabet: 'hex',
        options: (signature, body) => ({
          scheme: 'slack',
          secrets,
          body,
          headers: { 'X-Slack-Signature': `v0=${signature}`, 'X-Slack-Request-Timestamp': vector.timestamp },
          now: seconds(),
        }),
      }
    case 'github-sha256':
      return {
        signature: vector.expected.slice('sha256='.length),
        alphabet: 'hex',
        options: (signature, body) => ({
          scheme: 'github',
          secrets,
          body,
          headers: { 'X-Hub-Signature-256': `sha256=${signature}` },
        }),
      }
    case 'standard-webhooks-v1':
      return {
        signature: vector.expected.slice('v1,'.length),
        alphabet: 'base64',
        options: (signature, body) => ({
          scheme: 'standard-webhooks',
          secrets,
          body,
          headers: {
            'webhook-id': vector.id,
            'webhook-timestamp': vector.timestamp,
            'webhook-signature': `v1,${signature}`,
          },
          now: seconds(),
        }),
      }
    case 'hubspot-v3':
      return {
        signature: vector.expected,
        alphabet: 'base64',
        options: (signature, body) => ({
          scheme: 'hubspot-v3',
          secrets,
          body,
          headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': vector.timestamp },
          url: vector.uri!,
          method: vector.method!,
          now: new Date(Number(vector.timestamp)),
        }),
      }
    case 'stripe-v1':
      return {
        signature: vector.expected.slice(vector.expected.indexOf('v1=') + 'v1='.length),
        alphabet: 'hex',
        options: (signature, body) => ({
          scheme: 'stripe',
          secrets,
          body,
          headers: { 'Stripe-Signature': `t=${vector.timestamp},v1=${signature}` },
          now: seconds(),
        }),
      }
    case 'shopify':
      return {
        signature: vector.expected,
        alphabet: 'base64',
        options: (signature, body) => ({
          scheme: 'shopify',
          secrets,
          body,
          headers: { 'X-Shopify-Hmac-Sha256': signature },
        }),
      }
    default:
      throw new Error(`no request mapping for the vector scheme ${vector.scheme}`)
  }
}

/** The signature with the character at `position` replaced by another that decodes to other bits. */
function withCharacterChanged(signature: string, position: number, alphabet: 'hex' | 'base64'): string {
  const characters =
    alphabet === 'hex' ? '0123456789abcdef' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const current = characters.indexOf(signature[position]!)
  if (current === -1) throw new Error(`${signature[position]} is not in the ${alphabet} alphabet`)
  const replacement = characters[(current + 1) % characters.length]!
  return signature.slice(0, position) + replacement + signature.slice(position + 1)
}

/** The signature re-encoded with one decoded byte flipped. */
function withByteFlipped(signature: string, position: number, alphabet: 'hex' | 'base64'): string {
  const bytes = Buffer.from(signature, alphabet)
  bytes[position]! ^= 0x80
  return bytes.toString(alphabet)
}

const schemesCovered = ['slack-v0', 'github-sha256', 'standard-webhooks-v1', 'hubspot-v3', 'stripe-v1', 'shopify']

describe('published and cross-computed webhook vectors', () => {
  it('covers every scheme Junction verifies', () => {
    expect(new Set(vectors.map((vector) => vector.scheme))).toEqual(new Set(schemesCovered))
  })

  describe.each(vectors.map((vector, index) => [`${vector.scheme} #${index}`, vector] as const))(
    '%s',
    (_name, vector) => {
      const request = requestFor(vector)
      const body = Buffer.from(vector.body, 'utf8')

      it('verifies', () => {
        expect(verifyWebhook(request.options(request.signature, body))).toMatchObject({ ok: true })
      })

      it('verifies when the body is given as a string', () => {
        expect(verifyWebhook({ ...request.options(request.signature, body), body: vector.body })).toMatchObject({
          ok: true,
        })
      })

      it('fails with any one byte of the body changed', () => {
        for (let position = 0; position < body.length; position++) {
          const changed = Buffer.from(body)
          changed[position]! ^= 0x01
          expect(verifyWebhook(request.options(request.signature, changed)).ok, `body byte ${position}`).toBe(false)
        }
      })

      it('fails with a byte added to or removed from the body', () => {
        expect(verifyWebhook(request.options(request.signature, Buffer.concat([body, Buffer.from(' ')]))).ok).toBe(
          false,
        )
        if (body.length > 0) expect(verifyWebhook(request.options(request.signature, body.subarray(1))).ok).toBe(false)
      })

      it('fails with any one character of the signature changed', () => {
        for (let position = 0; position < request.signature.length; position++) {
          if (request.signature[position] === '=') continue // padding: changing it is malformed, checked elsewhere
          const changed = withCharacterChanged(request.signature, position, request.alphabet)
          expect(verifyWebhook(request.options(changed, body)), `signature character ${position}`).toMatchObject({
            ok: false,
          })
        }
      })

      it('fails with any one byte of the decoded signature changed, with a reason of signature_mismatch', () => {
        for (let position = 0; position < 32; position++) {
          const changed = withByteFlipped(request.signature, position, request.alphabet)
          expect(verifyWebhook(request.options(changed, body)), `signature byte ${position}`).toEqual({
            ok: false,
            reason: 'signature_mismatch',
          })
        }
      })

      it('fails under another secret', () => {
        const options = request.options(request.signature, body)
        const otherSecret =
          vector.scheme === 'standard-webhooks-v1' ? 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' : `${vector.secret}x`
        expect(verifyWebhook({ ...options, secrets: [otherSecret] })).toEqual({
          ok: false,
          reason: 'signature_mismatch',
        })
      })
    },
  )
})
