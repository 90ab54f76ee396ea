/**
 * @module Some providers echo the credential they were sent in an error (a header, a debug body). The app may log
 * what the proxy hands back, so an echo is replaced by `[redacted]` in every form it can take (see `echo-pattern.ts`:
 * as sent, JSON-escaped, percent-encoded, as HTML references, base64 and base64url at any alignment, and for basic
 * auth the `user:password` pair's base64). Bytes are replaced, so binary bodies stay intact.
 */
import type { UsableCredential } from './apply-credentials.js'
import { echoPattern } from './echo-pattern.js'

/** Shorter values are not scrubbed: replacing them everywhere would mangle answers more than it protects. */
const shortestScrubbed = 6
const replacement = '[redacted]'

/** One credential's echoes: an expression, run only on text holding one of its anchors (when it has anchors). */
export interface EchoForm {
  readonly pattern: RegExp
  readonly anchors: readonly string[] | undefined
}

/**
 * The echoes of one credential, for an answer's headers and body. Empty when every secret is too short to scrub.
 * Worked out once per credential: the forms of the last 64 credentials are kept.
 */
export type EchoForms = readonly EchoForm[]

/** The secrets a call carried with this credential: what must not come back, in any form. */
export function secretsOf(credential: UsableCredential): string[] {
  if (credential.kind === 'oauth2') return [credential.accessToken]
  if (credential.kind === 'api_key') return [credential.apiKey]
  // The pair is what an `Authorization: Basic` echo holds, base64'd; the password alone may be echoed too.
  return [`${credential.username}:${credential.password}`, credential.password]
}

/**
 * The forms of the credentials scrubbed lately, so that a connection's repeated errors do not rebuild them (a 2 KB
 * token's expression takes milliseconds to build and compile). Held in memory like the credentials themselves.
 */
const recentForms = new Map<string, EchoForms>()
const recentFormsKept = 64

export function echoFormsOf(credential: UsableCredential): EchoForms {
  const secrets = [...new Set(secretsOf(credential))].filter((secret) => secret.length >= shortestScrubbed)
  if (secrets.length === 0) return []
  const key = secrets.join('\0')
  let forms = recentForms.get(key)
  if (forms === undefined) {
    forms = compileForms(secrets)
    if (recentForms.size >= recentFormsKept) recentForms.delete(recentForms.keys().next().value ?? '')
  } else recentForms.delete(key)
  // Re-inserted, so the map's order is least recently used first.
  recentForms.set(key, forms)
  return forms
}

function compileForms(secrets: readonly string[]): EchoForms {
  const patterns = secrets.map(echoPattern)
  const anchors = patterns.map((pattern) => pattern.anchors)
  // One expression for all: the leftmost echo is replaced whole, even where one secret's form holds another's.
  return [
    {
      pattern: new RegExp(patterns.map((pattern) => pattern.source).join('|'), 'g'),
      anchors: anchors.every((list) => list !== undefined) ? anchors.flat() : undefined,
    },
  ]
}

export function scrubBytes(body: Uint8Array, forms: EchoForms): Uint8Array {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (forms.length === 0) return bytes
  // latin1 reads one character per byte and writes it back unchanged, whatever the bytes are.
  const text = bytes.toString('latin1')
  const scrubbed = scrubLatin1(text, forms)
  return scrubbed === text ? bytes : Buffer.from(scrubbed, 'latin1')
}

/** `text` (a header value, an error message) with its echoes replaced; matched on its UTF-8 bytes. */
export function scrubText(text: string, forms: EchoForms): string {
  if (forms.length === 0) return text
  const latin1 = Buffer.from(text, 'utf8').toString('latin1')
  const scrubbed = scrubLatin1(latin1, forms)
  return scrubbed === latin1 ? text : Buffer.from(scrubbed, 'latin1').toString('utf8')
}

function scrubLatin1(text: string, forms: EchoForms): string {
  let result = text
  for (const form of forms) {
    // Most bodies hold no echo: a plain search for the anchors spares them the whole expression.
    if (form.anchors !== undefined && !form.anchors.some((anchor) => result.includes(anchor))) continue
    result = result.replace(form.pattern, replacement)
  }
  return result
}
