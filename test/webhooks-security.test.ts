/**
 * The adversarial cases for inbound webhooks: timestamps outside the window either way, every forged form of a
 * signature, re-serialised bodies, repeated headers and secret rotation. Each must be refused without an exception,
 * with a reason for the logs.
 */
import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type SignWebhookOptions,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookScheme,
  webhookSchemes,
} from '../src/webhooks/index.js'

const now = new Date('2026-11-27T19:23:45.000Z')
const url = 'https://junction.example/webhooks/acme?region=eu'
const secretFor = (scheme: WebhookScheme, name = 'current'): string =>
  scheme === 'standard-webhooks'
    ? `whsec_${Buffer.from(`${name}-secret-of-24-bytes-long`).toString('base64')}`
    : `${name}-signing-secret`
const body = '{"id":"evt_1","event_id":"Ev1","eventId":1,"type":"thing.happened","data":{"amount":100}}'

/** Headers a provider would send, signed `offsetSeconds` from `now`. */
function signed(scheme: WebhookScheme, overrides: Partial<SignWebhookOptions> = {}, offsetSeconds = 0) {
  return signWebhook({
    scheme,
    secret: secretFor(scheme),
    body,
    url,
    timestamp: new Date(now.getTime() + offsetSeconds * 1000),
    id: 'delivery-1',
    ...overrides,
  })
}

function verify(
  scheme: WebhookScheme,
  headers: VerifyWebhookOptions['headers'],
  overrides: Partial<VerifyWebhookOptions> = {},
) {
  return verifyWebhook({ scheme, secrets: [secretFor(scheme)], headers, body, url, now, ...overrides })
}

/** The name of the header that carries the signature, for each scheme. */
const signatureHeader: Record<WebhookScheme, string> = {
  stripe: 'stripe-signature',
  slack: 'x-slack-signature',
  'hubspot-v3': 'x-hubspot-signature-v3',
  github: 'x-hub-signature-256',
  'standard-webhooks': 'webhook-signature',
  shopify: 'x-shopify-hmac-sha256',
}
/** The signature header with its first MAC bytes replaced, its length and encoding kept. */
const sameLengthForgery: Record<WebhookScheme, (value: string) => string> = {
  stripe: (value) => value.replace(/v1=[0-9a-f]{8}/, 'v1=00000000'),
  slack: (value) => `v0=00000000${value.slice('v0=00000000'.length)}`,
  github: (value) => `sha256=00000000${value.slice('sha256=00000000'.length)}`,
  'hubspot-v3': (value) => `AAAAAAAA${value.slice(8)}`,
  shopify: (value) => `AAAAAAAA${value.slice(8)}`,
  'standard-webhooks': (value) => `v1,AAAAAAAA${value.slice('v1,AAAAAAAA'.length)}`,
}
/** Where the MAC sits in each signature header, and how it is encoded. */
const macInHeader: Record<WebhookScheme, { pattern: RegExp; encoding: 'hex' | 'base64' }> = {
  stripe: { pattern: /^(t=\d+,v1=)([0-9a-f]+)$/, encoding: 'hex' },
  slack: { pattern: /^(v0=)([0-9a-f]+)$/, encoding: 'hex' },
  github: { pattern: /^(sha256=)([0-9a-f]+)$/, encoding: 'hex' },
  'hubspot-v3': { pattern: /^()([A-Za-z0-9+/=]+)$/, encoding: 'base64' },
  shopify: { pattern: /^()([A-Za-z0-9+/=]+)$/, encoding: 'base64' },
  'standard-webhooks': { pattern: /^(v1,)([A-Za-z0-9+/=]+)$/, encoding: 'base64' },
}

/** The signature header with only the last byte of its MAC changed: a comparison that stops early would pass it. */
function withLastMacByteChanged(scheme: WebhookScheme, value: string): string {
  const { pattern, encoding } = macInHeader[scheme]
  const [, prefix, encoded] = pattern.exec(value)!
  const mac = Buffer.from(encoded!, encoding)
  mac[mac.length - 1]! ^= 0x01
  return `${prefix}${mac.toString(encoding)}`
}

const timestampedSchemes = ['stripe', 'slack', 'hubspot-v3', 'standard-webhooks'] as const
const untimedSchemes = ['github', 'shopify'] as const

afterEach(() => {
  vi.restoreAllMocks()
})

describe('timestamps (case 15), checked in both directions', () => {
  it.each(timestampedSchemes)('%s: accepts a delivery signed 300 s ago or 300 s ahead', (scheme) => {
    expect(verify(scheme, signed(scheme, {}, -300))).toMatchObject({ ok: true })
    expect(verify(scheme, signed(scheme, {}, 300))).toMatchObject({ ok: true })
  })

  it.each(timestampedSchemes)('%s: refuses a delivery signed 301 s ago or 301 s ahead', (scheme) => {
    const refusal = { ok: false, reason: 'timestamp_out_of_tolerance' }
    expect(verify(scheme, signed(scheme, {}, -301))).toEqual(refusal)
    expect(verify(scheme, signed(scheme, {}, 301))).toEqual(refusal)
  })

  it.each(timestampedSchemes)('%s: honours toleranceSeconds', (scheme) => {
    expect(verify(scheme, signed(scheme, {}, -11), { toleranceSeconds: 10 })).toMatchObject({ ok: false })
    expect(verify(scheme, signed(scheme, {}, -9), { toleranceSeconds: 10 })).toMatchObject({ ok: true })
  })

  it.each(timestampedSchemes)('%s: returns the signed time', (scheme) => {
    expect(verify(scheme, signed(scheme, {}, -5))).toMatchObject({ timestamp: new Date(now.getTime() - 5000) })
  })

  it('refuses a timestamp that was changed after signing, even to one inside the window', () => {
    const headers = signed('slack', {}, -400)
    expect(verify('slack', { ...headers, 'x-slack-request-timestamp': String(now.getTime() / 1000) })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it.each(['', ' 1764271425', '1764271425.5', '-1', '01764271425', '1e9', 'yesterday'])(
    'refuses a malformed timestamp %j',
    (timestamp) => {
      const headers = { ...signed('standard-webhooks'), 'webhook-timestamp': timestamp }
      expect(verify('standard-webhooks', headers)).toEqual({ ok: false, reason: 'malformed_timestamp' })
    },
  )

  it('refuses a negative or non-finite tolerance instead of accepting everything', () => {
    expect(verify('stripe', signed('stripe'), { toleranceSeconds: -1 })).toEqual({
      ok: false,
      reason: 'invalid_options',
    })
    expect(verify('stripe', signed('stripe'), { toleranceSeconds: Number.POSITIVE_INFINITY })).toMatchObject({
      ok: false,
    })
  })
})

describe('replays (case 16): the window is checked here, deduplication is the inbox', () => {
  it.each(webhookSchemes)('%s: a delivery sent twice verifies twice with the same event id', (scheme) => {
    const headers = signed(scheme)
    const first = verify(scheme, headers)
    const second = verify(scheme, headers)
    expect(first).toMatchObject({ ok: true })
    expect(second).toEqual(first)
  })

  it('gives the id the provider deduplicates on, for each scheme', () => {
    expect(verify('stripe', signed('stripe'))).toMatchObject({ eventId: 'evt_1' })
    expect(verify('slack', signed('slack'))).toMatchObject({ eventId: 'Ev1' })
    expect(verify('hubspot-v3', signed('hubspot-v3'))).toMatchObject({ eventId: '1' })
    expect(verify('github', signed('github'))).toMatchObject({ eventId: 'delivery-1' })
    expect(verify('standard-webhooks', signed('standard-webhooks'))).toMatchObject({ eventId: 'delivery-1' })
    expect(verify('shopify', signed('shopify'))).toMatchObject({ eventId: 'delivery-1' })
  })

  it('gives no event id when the delivery carries none', () => {
    const otherBody = 'token=abc&command=%2Fjunction'
    const slack = signWebhook({ scheme: 'slack', secret: secretFor('slack'), body: otherBody, timestamp: now })
    expect(verify('slack', slack, { body: otherBody })).toEqual({ ok: true, eventId: undefined, timestamp: now })
    const github = signWebhook({ scheme: 'github', secret: secretFor('github'), body })
    delete github['x-github-delivery']
    expect(verify('github', github)).toEqual({ ok: true, eventId: undefined, timestamp: undefined })
  })

  it('joins the eventIds of a HubSpot batch, so that a batch is never taken for another that starts alike', () => {
    const batch = '[{"eventId":11,"portalId":1},{"eventId":12,"portalId":1}]'
    const headers = signWebhook({
      scheme: 'hubspot-v3',
      secret: secretFor('hubspot-v3'),
      body: batch,
      url,
      timestamp: now,
    })
    expect(verify('hubspot-v3', headers, { body: batch })).toMatchObject({ ok: true, eventId: '11,12' })
  })

  it('refuses a replay once its timestamp has left the window', () => {
    const headers = signed('stripe')
    expect(verify('stripe', headers, { now: new Date(now.getTime() + 301_000) })).toEqual({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    })
  })
})

describe('forged signatures (case 17)', () => {
  it.each(webhookSchemes)('%s: refuses a delivery without the signature header', (scheme) => {
    const headers = signed(scheme)
    delete headers[signatureHeader[scheme]]
    expect(verify(scheme, headers)).toEqual({ ok: false, reason: 'missing_signature' })
  })

  it.each(webhookSchemes)('%s: refuses an empty signature header', (scheme) => {
    expect(verify(scheme, { ...signed(scheme), [signatureHeader[scheme]]: '' })).toMatchObject({ ok: false })
  })

  it.each(webhookSchemes)('%s: refuses a signature made for another body', (scheme) => {
    const headers = signed(scheme, { body: body.replace('100', '999') })
    expect(verify(scheme, headers)).toEqual({ ok: false, reason: 'signature_mismatch' })
  })

  it.each(webhookSchemes)('%s: refuses a signature made with another secret', (scheme) => {
    expect(verify(scheme, signed(scheme, { secret: secretFor(scheme, 'attacker') }))).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it.each(webhookSchemes)('%s: refuses a signature of the right length with wrong bytes', (scheme) => {
    const headers = signed(scheme)
    const value = headers[signatureHeader[scheme]]!
    const forged = sameLengthForgery[scheme](value)
    expect(forged).not.toBe(value)
    expect(forged).toHaveLength(value.length)
    expect(verify(scheme, { ...headers, [signatureHeader[scheme]]: forged })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it.each(webhookSchemes)('%s: refuses a signature equal to the genuine one but for its last byte', (scheme) => {
    const headers = signed(scheme)
    const forged = withLastMacByteChanged(scheme, headers[signatureHeader[scheme]]!)
    expect(forged).toHaveLength(headers[signatureHeader[scheme]]!.length)
    expect(verify(scheme, { ...headers, [signatureHeader[scheme]]: forged })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it.each([
    ['stripe', 't=1795807425,v1=', 'malformed_signature'],
    ['stripe', 't=1795807425,v1=abc', 'malformed_signature'],
    ['stripe', 't=1795807425,v1=00ff', 'signature_mismatch'],
    ['stripe', 't=1795807425,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39', 'missing_signature'],
    ['stripe', 'v1=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39', 'missing_timestamp'],
    ['stripe', 'garbage', 'missing_timestamp'],
    ['slack', 'v1=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39', 'unknown_signature_version'],
    ['slack', 'v0=', 'malformed_signature'],
    ['slack', 'v0=zz', 'malformed_signature'],
    ['slack', 'v0=6ffb', 'signature_mismatch'],
    ['github', 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6', 'unknown_signature_version'],
    ['github', '6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39', 'unknown_signature_version'],
    ['github', 'sha256=', 'malformed_signature'],
    ['github', 'sha256=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a3', 'malformed_signature'],
    ['github', 'sha256=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a', 'signature_mismatch'],
    ['shopify', 'not base64!', 'malformed_signature'],
    ['shopify', 'AAAA', 'signature_mismatch'],
    ['shopify', 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc', 'malformed_signature'],
    ['hubspot-v3', 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=', 'signature_mismatch'],
    ['hubspot-v3', 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHB wc=', 'malformed_signature'],
    ['standard-webhooks', 'v2,BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=', 'unknown_signature_version'],
    ['standard-webhooks', 'v1a,BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=', 'unknown_signature_version'],
    ['standard-webhooks', 'v1,', 'malformed_signature'],
    ['standard-webhooks', 'v1,b/u1myMA', 'signature_mismatch'],
    ['standard-webhooks', 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=', 'unknown_signature_version'],
  ] as const)('%s: refuses %j (%s)', (scheme, value, reason) => {
    expect(verify(scheme, { ...signed(scheme), [signatureHeader[scheme]]: value })).toEqual({ ok: false, reason })
  })

  it('refuses GitHub deliveries that carry only the legacy SHA-1 X-Hub-Signature', () => {
    expect(verify('github', { 'X-Hub-Signature': 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6' })).toEqual({
      ok: false,
      reason: 'missing_signature',
    })
  })

  it('refuses a Standard Webhooks delivery with no webhook-id, and one whose id was changed', () => {
    const headers = signed('standard-webhooks')
    expect(verify('standard-webhooks', { ...headers, 'webhook-id': '' })).toEqual({ ok: false, reason: 'missing_id' })
    expect(verify('standard-webhooks', { ...headers, 'webhook-id': 'delivery-2' })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it('refuses a HubSpot delivery checked against another URL or method, or with no URL at all', () => {
    const headers = signed('hubspot-v3')
    expect(verify('hubspot-v3', headers, { url: 'https://junction.example/webhooks/acme?region=us' })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
    expect(verify('hubspot-v3', headers, { method: 'PUT' })).toEqual({ ok: false, reason: 'signature_mismatch' })
    expect(verifyWebhook({ scheme: 'hubspot-v3', secrets: ['s'], headers, body, now })).toEqual({
      ok: false,
      reason: 'missing_url',
    })
  })

  it('verifies a HubSpot URI whose escapes HubSpot decodes before signing', () => {
    const escaped = 'https://junction.example/webhooks/acme?owner=a%40b.example'
    const headers = signWebhook({
      scheme: 'hubspot-v3',
      secret: 'hs',
      body,
      url: 'https://junction.example/webhooks/acme?owner=a@b.example',
      timestamp: now,
    })
    expect(verifyWebhook({ scheme: 'hubspot-v3', secrets: ['hs'], headers, body, url: escaped, now })).toMatchObject({
      ok: true,
    })
  })

  it('never uses an empty secret, since anyone can compute a MAC under it', () => {
    const forged = signWebhook({ scheme: 'github', secret: 'x', body })
    forged['x-hub-signature-256'] = `sha256=${createHmac('sha256', '').update(body).digest('hex')}`
    expect(verifyWebhook({ scheme: 'github', secrets: [''], headers: forged, body })).toEqual({
      ok: false,
      reason: 'no_secret',
    })
    expect(verifyWebhook({ scheme: 'github', secrets: ['', 'real'], headers: forged, body })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    })
  })

  it('refuses with invalid_secret when no configured Standard Webhooks secret is a whsec_ key', () => {
    expect(verify('standard-webhooks', signed('standard-webhooks'), { secrets: ['whsec_', 'whsec_!!!'] })).toEqual({
      ok: false,
      reason: 'invalid_secret',
    })
  })

  it('refuses a body that is not raw (a parsed object) and an unknown scheme, without throwing', () => {
    const parsed = JSON.parse(body) as unknown as string
    expect(verify('stripe', signed('stripe'), { body: parsed })).toEqual({ ok: false, reason: 'body_not_raw' })
    expect(verify('twilio' as WebhookScheme, signed('stripe'))).toEqual({ ok: false, reason: 'unknown_scheme' })
  })

  it('never throws, whatever the headers hold', () => {
    const hostile: VerifyWebhookOptions['headers'][] = [
      {},
      { 'stripe-signature': [] },
      { 'stripe-signature': ',,,=,t=,v1=,==' },
      { 'webhook-signature': ' '.repeat(1000), 'webhook-id': 'x', 'webhook-timestamp': '1' },
      { 'x-hub-signature-256': `sha256=${'0'.repeat(100_000)}` },
      { 'x-slack-signature': 'v0=\u0000\uffff', 'x-slack-request-timestamp': '9'.repeat(400) },
      { 'x-hubspot-signature-v3': '====', 'x-hubspot-request-timestamp': '99999999999999999999' },
      new Headers({ 'x-shopify-hmac-sha256': '' }),
      { 'stripe-signature': 7 } as unknown as Record<string, string>,
    ]
    for (const scheme of webhookSchemes) {
      for (const headers of hostile) {
        expect(() => verify(scheme, headers)).not.toThrow()
        expect(verify(scheme, headers).ok).toBe(false)
      }
    }
  })

  it.each(webhookSchemes)('%s: does not parse the body before a MAC matched', (scheme) => {
    const parse = vi.spyOn(JSON, 'parse')
    expect(verify(scheme, signed(scheme, { secret: secretFor(scheme, 'attacker') })).ok).toBe(false)
    expect(parse).not.toHaveBeenCalled()
  })
})

describe('re-serialised bodies (case 18): verification runs on the raw bytes', () => {
  const pretty = '{\n  "id": "evt_1",\n  "type": "café.created",\n  "data": {"b": 1, "a": 2}\n}'

  it.each(webhookSchemes)('%s: refuses the body parsed and serialised again, or with its keys reordered', (scheme) => {
    const headers = signed(scheme, { body: pretty })
    expect(verify(scheme, headers, { body: pretty })).toMatchObject({ ok: true })
    expect(verify(scheme, headers, { body: JSON.stringify(JSON.parse(pretty)) })).toMatchObject({ ok: false })
    expect(verify(scheme, headers, { body: pretty.replace('"b": 1, "a": 2', '"a": 2, "b": 1') })).toMatchObject({
      ok: false,
    })
  })

  it.each(webhookSchemes)('%s: refuses the body re-encoded in another charset', (scheme) => {
    const headers = signed(scheme, { body: pretty })
    expect(verify(scheme, headers, { body: Buffer.from(pretty, 'latin1') })).toMatchObject({ ok: false })
    expect(verify(scheme, headers, { body: Buffer.from(pretty, 'utf8') })).toMatchObject({ ok: true })
  })

  it('keeps a byte-order mark as part of the signed bytes', () => {
    const withBom = `\ufeff${body}`
    const headers = signed('standard-webhooks', { body: withBom })
    expect(verify('standard-webhooks', headers, { body: withBom })).toMatchObject({ ok: true })
    expect(verify('standard-webhooks', headers, { body })).toMatchObject({ ok: false })
  })

  it('refuses a Standard Webhooks body that is not UTF-8, rather than checking a lossy decoding of it', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d])
    const headers = signed('standard-webhooks')
    expect(verify('standard-webhooks', headers, { body: bytes })).toEqual({ ok: false, reason: 'body_not_utf8' })
  })

  it.each(['stripe', 'github', 'shopify', 'slack', 'hubspot-v3'] as const)(
    '%s: signs and verifies bodies that are not UTF-8, byte for byte',
    (scheme) => {
      const bytes = Buffer.from([0x7b, 0xff, 0x7d])
      const headers = signed(scheme, { body: bytes })
      expect(verify(scheme, headers, { body: bytes })).toMatchObject({ ok: true })
      expect(verify(scheme, headers, { body: Buffer.from([0x7b, 0xfe, 0x7d]) })).toMatchObject({ ok: false })
    },
  )
})

describe('repeated headers (case 19): refused, never "first one wins"', () => {
  it.each(webhookSchemes)(
    '%s: refuses the signature header sent twice, as an array, even if one copy is genuine',
    (scheme) => {
      const headers = signed(scheme)
      const genuine = headers[signatureHeader[scheme]]!
      const forged = signed(scheme, { secret: secretFor(scheme, 'attacker') })[signatureHeader[scheme]]!
      for (const pair of [
        [genuine, forged],
        [forged, genuine],
        [genuine, genuine],
      ]) {
        expect(verify(scheme, { ...headers, [signatureHeader[scheme]]: pair })).toEqual({
          ok: false,
          reason: 'duplicate_header',
        })
      }
    },
  )

  it.each(webhookSchemes)('%s: refuses two names differing only in case', (scheme) => {
    const headers = signed(scheme)
    const upper = signatureHeader[scheme].toUpperCase()
    expect(verify(scheme, { ...headers, [upper]: headers[signatureHeader[scheme]]! })).toEqual({
      ok: false,
      reason: 'duplicate_header',
    })
  })

  it.each(['stripe', 'slack', 'hubspot-v3', 'github', 'shopify'] as const)(
    '%s: refuses the signature header sent twice and joined with a comma by a Headers object',
    (scheme) => {
      const headers = new Headers(signed(scheme))
      headers.append(
        signatureHeader[scheme],
        signed(scheme, { secret: secretFor(scheme, 'attacker') })[signatureHeader[scheme]]!,
      )
      expect(verify(scheme, headers)).toEqual({ ok: false, reason: 'duplicate_header' })
    },
  )

  it('refuses a Stripe-Signature with two t= values', () => {
    const genuine = signed('stripe')['stripe-signature']!
    expect(verify('stripe', { 'stripe-signature': `${genuine},t=1` })).toEqual({
      ok: false,
      reason: 'duplicate_header',
    })
    expect(verify('stripe', { 'stripe-signature': `t=1,${genuine}` })).toEqual({
      ok: false,
      reason: 'duplicate_header',
    })
  })

  it.each(['slack', 'hubspot-v3'] as const)('%s: refuses the timestamp header sent twice', (scheme) => {
    const headers = new Headers(signed(scheme))
    const name = scheme === 'slack' ? 'x-slack-request-timestamp' : 'x-hubspot-request-timestamp'
    headers.append(name, headers.get(name)!)
    expect(verify(scheme, headers)).toEqual({ ok: false, reason: 'duplicate_header' })
  })

  it('refuses Standard Webhooks id or timestamp headers sent twice', () => {
    const headers = signed('standard-webhooks')
    expect(verify('standard-webhooks', { ...headers, 'webhook-id': ['delivery-1', 'delivery-1'] })).toEqual({
      ok: false,
      reason: 'duplicate_header',
    })
    const joined = new Headers(headers)
    joined.append('webhook-timestamp', headers['webhook-timestamp']!)
    expect(verify('standard-webhooks', joined)).toEqual({ ok: false, reason: 'duplicate_header' })
  })

  it('works with a Headers object as with a record', () => {
    for (const scheme of webhookSchemes) expect(verify(scheme, new Headers(signed(scheme))).ok, scheme).toBe(true)
  })
})

describe('secret rotation (case 21)', () => {
  it.each(webhookSchemes)(
    '%s: accepts the old and the new secret while both are configured, then only the new',
    (scheme) => {
      const oldSecret = secretFor(scheme, 'old')
      const newSecret = secretFor(scheme, 'new')
      const byOld = signed(scheme, { secret: oldSecret })
      const byNew = signed(scheme, { secret: newSecret })
      expect(verify(scheme, byOld, { secrets: [newSecret, oldSecret] })).toMatchObject({ ok: true })
      expect(verify(scheme, byNew, { secrets: [newSecret, oldSecret] })).toMatchObject({ ok: true })
      expect(verify(scheme, byNew, { secrets: [newSecret] })).toMatchObject({ ok: true })
      expect(verify(scheme, byOld, { secrets: [newSecret] })).toEqual({ ok: false, reason: 'signature_mismatch' })
    },
  )

  it('accepts a Stripe header carrying a v1 per secret when either secret is configured', () => {
    const byOld = signed('stripe', { secret: 'old' })['stripe-signature']!
    const byNew = signed('stripe', { secret: 'new' })['stripe-signature']!
    const both = `${byOld},${byNew.slice(byNew.indexOf('v1='))}`
    expect(verify('stripe', { 'stripe-signature': both }, { secrets: ['new'] })).toMatchObject({ ok: true })
    expect(verify('stripe', { 'stripe-signature': both }, { secrets: ['old'] })).toMatchObject({ ok: true })
    expect(verify('stripe', { 'stripe-signature': both }, { secrets: ['gone'] })).toMatchObject({ ok: false })
  })

  it('accepts a webhook-signature listing one signature per secret, and skips entries of other versions', () => {
    const oldSecret = secretFor('standard-webhooks', 'old')
    const newSecret = secretFor('standard-webhooks', 'new')
    const byOld = signed('standard-webhooks', { secret: oldSecret })
    const byNew = signed('standard-webhooks', { secret: newSecret })
    const headers = {
      ...byOld,
      'webhook-signature': `v1a,AAAA ${byOld['webhook-signature']} ${byNew['webhook-signature']}`,
    }
    expect(verify('standard-webhooks', headers, { secrets: [newSecret] })).toMatchObject({ ok: true })
    expect(verify('standard-webhooks', headers, { secrets: [oldSecret] })).toMatchObject({ ok: true })
    expect(verify('standard-webhooks', headers, { secrets: [secretFor('standard-webhooks', 'gone')] })).toMatchObject({
      ok: false,
    })
  })

  it('reads the svix- branded headers when the unbranded ones are absent', () => {
    const headers = signed('standard-webhooks')
    const svix = {
      'svix-id': headers['webhook-id']!,
      'svix-timestamp': headers['webhook-timestamp']!,
      'svix-signature': headers['webhook-signature']!,
    }
    expect(verify('standard-webhooks', svix)).toMatchObject({ ok: true, eventId: 'delivery-1' })
  })
})

describe('untimed schemes', () => {
  it.each(untimedSchemes)(
    '%s: has no timestamp, so any age verifies (deduplication is what stops replays)',
    (scheme) => {
      expect(verify(scheme, signed(scheme), { now: new Date(0) })).toEqual({
        ok: true,
        eventId: 'delivery-1',
        timestamp: undefined,
      })
    },
  )
})
