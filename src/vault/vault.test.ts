import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseEncryptionKeys } from './keys.js'
import { createVault, sealedKeyId } from './vault.js'

const key = (id: string) => ({ id, key: randomBytes(32) })
const row = { table: 'connections', rowId: '6f1c1c1e-8a51-4d7e-9c53-5b2f0e1d9a10', column: 'credentials' }

/** Flips one bit of the decoded part `index` (2 = IV, 3 = ciphertext and tag) at `offset` from the start or end. */
function flip(sealed: string, index: 2 | 3, offset: number): string {
  const parts = sealed.split('.')
  const bytes = Buffer.from(parts[index]!, 'base64url')
  const at = offset < 0 ? bytes.length + offset : offset
  bytes[at] = (bytes[at] ?? 0) ^ 0x01
  parts[index] = bytes.toString('base64url')
  return parts.join('.')
}

describe('vault', () => {
  const k1 = key('k1')
  const vault = createVault([k1])

  it('opens what it sealed, in the v1 format naming the key', () => {
    const sealed = vault.seal('xoxb-secret-token', row)
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
    expect(sealedKeyId(sealed)).toBe('k1')
    expect(sealed).not.toContain('xoxb')
    expect(vault.open(sealed, row)).toBe('xoxb-secret-token')
    expect(vault.openJson(vault.sealJson({ accessToken: 'a' }, row), row)).toEqual({ accessToken: 'a' })
  })

  it('uses a fresh IV every time', () => {
    expect(vault.seal('same', row)).not.toBe(vault.seal('same', row))
  })

  it.each([
    ['the IV', 2, 0],
    ['the ciphertext', 3, 0],
    ['the tag', 3, -1],
  ] as const)('refuses a value with a flipped bit in %s', (_, part, offset) => {
    const sealed = vault.seal('secret', row)
    expect(() => vault.open(flip(sealed, part, offset), row)).toThrow(/failed authentication/)
  })

  it('refuses a value moved to another row or column', () => {
    const sealed = vault.seal('secret', row)
    expect(() => vault.open(sealed, { ...row, rowId: '0b8f6a4e-1d0c-4c9b-8e7a-2f3d4c5b6a79' })).toThrow(
      /failed authentication/,
    )
    expect(() => vault.open(sealed, { ...row, column: 'pkce_verifier' })).toThrow(/failed authentication/)
    expect(() => vault.open(sealed, { ...row, table: 'pending_revocations' })).toThrow(/failed authentication/)
  })

  it('refuses a value restored into a row recreated for the same user (new row id)', () => {
    const old = vault.seal('old-refresh-token', row)
    const recreated = { ...row, rowId: '9d3a8b2c-7e6f-4a1b-8c9d-0e1f2a3b4c5d' }
    vault.seal('new-refresh-token', recreated)
    expect(() => vault.open(old, recreated)).toThrow(/failed authentication/)
  })

  it('refuses an unknown key id, and a truncated or foreign value, without falling back to plaintext', () => {
    const other = createVault([key('k9')])
    expect(() => vault.open(other.seal('secret', row), row)).toThrow(/names key "k9", which is not configured/)
    expect(() => vault.open('plaintext-token', row)).toThrow(/not in the v1 format/)
    expect(() => vault.open('v1.k1.AAAA.AAAA', row)).toThrow(/truncated/)
  })

  it('after a new first key is added, opens old values and seals new ones with the new key', () => {
    const old = vault.seal('old', row)
    const k2 = key('k2')
    const rotated = createVault([k2, k1])
    expect(rotated.open(old, row)).toBe('old')
    const fresh = rotated.seal('new', row)
    expect(sealedKeyId(fresh)).toBe('k2')
    expect(() => vault.open(fresh, row)).toThrow(/not configured/)
  })
})

describe('encryption key lists', () => {
  const b64 = randomBytes(32).toString('base64')

  it('parses several keys, first first', () => {
    const keys = parseEncryptionKeys(
      `k2:${b64}, k1:${randomBytes(32).toString('base64url')}`,
      'JUNCTION_ENCRYPTION_KEYS',
    )
    expect(keys.map((entry) => entry.id)).toEqual(['k2', 'k1'])
    expect(keys[0]?.key.length).toBe(32)
  })

  it.each([
    ['no key id', b64, /expected keyId:base64-of-32-bytes/],
    ['a dot in the key id', `k.1:${b64}`, /expected keyId:base64-of-32-bytes/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /not the base64 of exactly 32 bytes/],
    ['not base64', `k1:${'!'.repeat(44)}`, /not the base64 of exactly 32 bytes/],
    ['a repeated id', `k1:${b64},k1:${b64}`, /appears twice/],
  ])('refuses %s, naming the variable and never the key', (_, text, expected) => {
    let message = ''
    try {
      parseEncryptionKeys(text, 'JUNCTION_ENCRYPTION_KEYS')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^config error at JUNCTION_ENCRYPTION_KEYS: /)
    expect(message).toMatch(expected)
    expect(message).not.toContain(b64)
  })
})
