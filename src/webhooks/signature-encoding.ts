/**
 * @module Strict decoding of the signatures providers send, so that MACs are compared as bytes. Anything that is
 * not exactly the encoding (whitespace, a stray character, an odd number of hex digits) is `undefined`: the caller
 * refuses it as malformed instead of guessing.
 */

const hexPattern = /^(?:[0-9a-fA-F]{2})+$/
// Standard alphabet (RFC 4648 §4), padded to a multiple of four.
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The bytes of a hex string (either case), or `undefined` when it is empty or not hex. */
export function decodeHex(text: string): Uint8Array | undefined {
  return hexPattern.test(text) ? Buffer.from(text, 'hex') : undefined
}

/**
 * The bytes of a padded standard base64 string, or `undefined` when it is empty, not base64, or not the one
 * encoding of its bytes (unused low bits set in the last character), so that no two texts pass as one signature.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text === '' || !base64Pattern.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}
