/** @module PKCE: a fresh verifier per flow and its S256 challenge. @see RFC 7636 §4.1–4.2 */
import { createHash, randomBytes } from 'node:crypto'

export interface Pkce {
  verifier: string
  challenge: string
}

/** 32 random bytes as base64url: a 43-character verifier, within RFC 7636's 43–128. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: pkceChallenge(verifier) }
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}
