/**
 * @module The hub's API key format: `jnc_` and the base64url of 32 random bytes (256 bits). With that much entropy a
 * plain SHA-256 is the right hash: a slow password hash would only add latency and a CPU cost to every request.
 */
import { createHash, randomBytes } from 'node:crypto'

const keyPattern = /^jnc_[A-Za-z0-9_-]{43}$/
const shownCharacters = 12

export function generateApiKey(): string {
  return `jnc_${randomBytes(32).toString('base64url')}`
}

/** Whether text has the shape of a key: a malformed one is refused without touching the database. */
export function isWellFormedApiKey(text: string): boolean {
  return keyPattern.test(text)
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** What is shown of a key after its creation: `jnc_` and eight characters. */
export function displayPrefix(key: string): string {
  return key.slice(0, shownCharacters)
}
