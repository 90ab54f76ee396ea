/**
 * @module Standard Webhooks (Svix and the providers built on it, and Junction's own events): `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list of `v1,<base64>` entries, one
 * per active secret, any one of which may match. Each is an HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with
 * the base64 decoding of the `whsec_…` secret. Entries of other versions (`v1a`, asymmetric) are skipped. Svix's
 * branded `svix-id` / `svix-timestamp` / `svix-signature` are read when the unbranded trio is absent, as Svix's own
 * library does. The id for deduplication is `webhook-id`.
 *
 * The key and the signed content are exactly those of the `standardwebhooks` package, the specification's reference
 * library: each secret is decoded into a key by it, and the key checked against a MAC of its own; the HMAC of every
 * delivery is then `node:crypto`'s (the package computes SHA-256 in JavaScript, several times slower). A secret whose
 * key the check does not confirm keeps the package's own MAC. The comparison and the time window are ours, shared by
 * every scheme (the package's `verify` reads the clock itself and has a fixed tolerance).
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { randomUUID } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { exactUtf8 } from '../body.js'
import { type HeaderReader, soleHeaderValue } from '../headers.js'
import { hmacSha256 } from '../mac.js'
import { decodeBase64 } from '../signature-encoding.js'
import { parseUnixSeconds } from '../timestamp.js'
import { type ReadResult, refuse, type SchemeRequest, type WebhookSchemeDefinition } from './scheme.js'

export const standardWebhooksScheme: WebhookSchemeDefinition = {
  read(request: SchemeRequest): ReadResult {
    const prefix = headerPrefix(request.header)
    const id = request.header(`${prefix}-id`)
    if (id.kind === 'absent' || (id.kind === 'single' && id.value === '')) return refuse('missing_id')
    if (id.kind === 'repeated') return refuse('duplicate_header')
    const timestamp = soleHeaderValue(request.header, `${prefix}-timestamp`, 'missing_timestamp')
    if ('reason' in timestamp) return refuse(timestamp.reason)
    const signatureHeader = request.header(`${prefix}-signature`)
    if (signatureHeader.kind === 'absent') return refuse('missing_signature')
    if (signatureHeader.kind === 'repeated') return refuse('duplicate_header')

    const signedAt = parseUnixSeconds(timestamp.value)
    if (signedAt === undefined) return refuse('malformed_timestamp')
    // Several signatures are the scheme's own rotation, so a repeated header joined with ", " is not refused: its
    // entries stay whole or become malformed ("v1,…,"), and the signed content does not change either way.
    const v1Values = signatureHeader.value
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => entry.slice('v1,'.length))
    if (v1Values.length === 0) {
      return refuse(signatureHeader.value.trim() === '' ? 'missing_signature' : 'unknown_signature_version')
    }
    const signatures = v1Values.map(decodeBase64).filter((mac) => mac !== undefined)
    if (signatures.length === 0) return refuse('malformed_signature')
    // The package signs text; only a body that decodes to UTF-8 and back unchanged can be checked byte for byte.
    const payload = exactUtf8(request.body)
    if (payload === undefined) return refuse('body_not_utf8')

    const messageId = id.value
    return {
      ok: true,
      delivery: {
        signatures,
        signedAt,
        macFor: (secret) => standardWebhooksMac(secret, messageId, signedAt, payload),
        eventId: () => messageId,
      },
    }
  },

  sign({ secret, body, timestamp, id = `msg_${randomUUID().replaceAll('-', '')}` }) {
    const payload = exactUtf8(body)
    if (payload === undefined) throw new TypeError('signWebhook: a standard-webhooks body must be valid UTF-8')
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, timestamp, payload),
    }
  },
}

/** How to compute a secret's MAC: with its key in `node:crypto`, or by the package; `undefined` for no usable key. */
export type Signer = { key: Buffer } | { webhook: Webhook } | undefined

/** Signers by secret, few in practice (a hub's configured secrets); emptied when full, so callers cannot grow it. */
const signers = new Map<string, Signer>()
const maxSigners = 256

/** The `v1` MAC the package computes, as bytes; `undefined` when the secret is not a usable `whsec_` key. */
function standardWebhooksMac(secret: string, id: string, signedAt: Date, payload: string): Uint8Array | undefined {
  const signer = signerFor(secret)
  if (signer === undefined) return undefined
  if ('key' in signer) return hmacSha256(signer.key, `${id}.${Math.floor(signedAt.getTime() / 1000)}.${payload}`)
  return decodeBase64(signer.webhook.sign(id, signedAt, payload).slice('v1,'.length))
}

/** How a secret's MACs are computed (exported for its test). */
export function signerFor(secret: string): Signer {
  if (signers.has(secret)) return signers.get(secret)
  if (signers.size >= maxSigners) signers.clear()
  const signer = newSigner(secret)
  signers.set(secret, signer)
  return signer
}

/** The secret's key as Node's base64 decodes it, when the package's own MAC of a probe message agrees; else the package. */
function newSigner(secret: string): Signer {
  let webhook: Webhook
  try {
    webhook = new Webhook(secret)
  } catch {
    return undefined // empty, or not base64
  }
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64')
  const probe = { id: 'msg_probe', at: new Date(0), payload: '{"probe":true}' }
  const theirs = webhook.sign(probe.id, probe.at, probe.payload).slice('v1,'.length)
  const ours = hmacSha256(key, `${probe.id}.0.${probe.payload}`).toString('base64')
  return ours === theirs ? { key } : { webhook }
}

function headerPrefix(header: HeaderReader): 'webhook' | 'svix' {
  return header('webhook-signature').kind === 'absent' && header('svix-signature').kind !== 'absent'
    ? 'svix'
    : 'webhook'
}
