/**
 * @module Some providers echo the credential they were sent in an error (a header, a debug body). The app may log
 * what the proxy hands back, so an echo is replaced by `[redacted]` in every form it can take: as sent, URL-encoded,
 * JSON-escaped, and, for basic auth, the base64 header value. Bytes are replaced, so binary bodies stay intact.
 * @see reference/security.md §5b
 */
import type { UsableCredential } from './apply-credentials.js'

/** Shorter values are not scrubbed: replacing them everywhere would mangle answers more than it protects. */
const shortestScrubbed = 6
const replacement = Buffer.from('[redacted]', 'utf8')

export function echoFormsOf(credential: UsableCredential): string[] {
  const secrets =
    credential.kind === 'oauth2'
      ? [credential.accessToken]
      : credential.kind === 'api_key'
        ? [credential.apiKey]
        : [credential.password, Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')]
  const forms = secrets.flatMap((secret) => [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ])
  // Longest first, so that a form containing another is replaced whole.
  return [...new Set(forms)].filter((form) => form.length >= shortestScrubbed).sort((a, b) => b.length - a.length)
}

export function scrubBytes(body: Uint8Array, forms: readonly string[]): Uint8Array {
  let result = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  for (const form of forms) {
    const needle = Buffer.from(form, 'utf8')
    let at = result.indexOf(needle)
    if (at === -1) continue
    const parts: Buffer[] = []
    let from = 0
    while (at !== -1) {
      parts.push(result.subarray(from, at), replacement)
      from = at + needle.length
      at = result.indexOf(needle, from)
    }
    parts.push(result.subarray(from))
    result = Buffer.concat(parts)
  }
  return result
}

export function scrubText(text: string, forms: readonly string[]): string {
  let result = text
  for (const form of forms) if (result.includes(form)) result = result.split(form).join('[redacted]')
  return result
}
