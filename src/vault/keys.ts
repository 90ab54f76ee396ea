/**
 * @module Encryption keys: parsing `keyId:base64-of-32-bytes` lists and generating the development key.
 * Key ids appear in every sealed value (`v1.<keyId>.…`), so they may not contain a dot.
 */
import { randomBytes } from 'node:crypto'
import { ConfigError } from '../core/config-error.js'

export interface EncryptionKey {
  readonly id: string
  readonly key: Buffer
}

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/

/**
 * Parses a comma-separated key list. Errors name the place (`where`) and the entry's position, never its text.
 * @example parseEncryptionKeys('k2:…,k1:…', 'JUNCTION_ENCRYPTION_KEYS')
 */
export function parseEncryptionKeys(text: string, where: string): EncryptionKey[] {
  const entries = text.split(',').map((entry) => entry.trim())
  const keys = entries.map((entry, index) => parseEntry(entry, `${where}`, index + 1, entries.length))
  const seen = new Set<string>()
  for (const { id } of keys) {
    if (seen.has(id)) throw new ConfigError(where, `key id "${id}" appears twice`)
    seen.add(id)
  }
  return keys
}

function parseEntry(entry: string, where: string, position: number, count: number): EncryptionKey {
  const which = count > 1 ? `entry ${position}: ` : ''
  const colon = entry.indexOf(':')
  const id = colon > 0 ? entry.slice(0, colon) : ''
  const encoded = colon > 0 ? entry.slice(colon + 1) : ''
  if (!keyIdPattern.test(id)) {
    throw new ConfigError(where, `${which}expected keyId:base64-of-32-bytes, with a key id of letters, digits, _ or -`)
  }
  const key = base64Pattern.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0)
  if (key.length !== 32) {
    throw new ConfigError(where, `${which}key "${id}" is not the base64 of exactly 32 bytes`)
  }
  return { id, key }
}

/** A fresh key in the `keyId:base64` text form. */
export function generateEncryptionKeyText(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`
}
