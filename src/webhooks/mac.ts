/**
 * @module The one place where webhook MACs are computed and compared. Every scheme goes through it, so the
 * comparison rules (constant time, length checked first, decoded bytes rather than text) hold for all of them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** HMAC-SHA256 of the parts, fed in order (strings as UTF-8), as raw bytes. */
export function hmacSha256(key: string | Uint8Array, ...parts: ReadonlyArray<string | Uint8Array>): Buffer {
  const hmac = createHmac('sha256', key)
  for (const part of parts) hmac.update(part)
  return hmac.digest()
}

/**
 * Whether a received MAC equals the expected one, in time that does not depend on where they differ.
 * A MAC of another length is unequal, not an error: `timingSafeEqual` throws on unequal lengths, and the length of
 * an HMAC-SHA256 is public anyway.
 */
export function macsEqual(received: Uint8Array, expected: Uint8Array): boolean {
  if (received.length !== expected.length) return false
  return timingSafeEqual(received, expected)
}
