/**
 * @module Sealing secrets at rest: AES-256-GCM with a fresh 12-byte IV per value, a key id in every value, and the
 * value bound to its row and column by additional authenticated data, so that a ciphertext copied to another row, or
 * restored after its row was deleted and recreated under a new id, does not open.
 *
 * Format: `v1.<keyId>.<base64url iv>.<base64url ciphertext||tag>`.
 * @see NIST SP 800-38D (GCM, 96-bit random IVs)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { JunctionError } from '../core/errors.js'
import type { EncryptionKey } from './keys.js'

/** Where a sealed value lives: it opens only there. */
export interface SealContext {
  readonly table: string
  readonly rowId: string
  readonly column: string
}

export interface Vault {
  /** The id of the key that seals (the first configured). */
  readonly sealingKeyId: string
  /** Every key id that opens, sealing key first. */
  readonly keyIds: readonly string[]
  seal(plaintext: string, context: SealContext): string
  open(sealed: string, context: SealContext): string
  sealJson(value: unknown, context: SealContext): string
  openJson<T = unknown>(sealed: string, context: SealContext): T
}

const formatVersion = 'v1'
const ivBytes = 12
const tagBytes = 16

/** The key id a sealed value names, without opening it. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.')
  return parts.length === 4 && parts[0] === formatVersion ? parts[1] : undefined
}

/** Creates a vault over one or more keys: the first seals, all open. */
export function createVault(keys: readonly EncryptionKey[]): Vault {
  const first = keys[0]
  if (first === undefined) throw new JunctionError('internal_error', 'the vault needs at least one encryption key')
  const byId = new Map(keys.map((key) => [key.id, key.key]))

  const seal = (plaintext: string, context: SealContext): string => {
    const iv = randomBytes(ivBytes)
    const cipher = createCipheriv('aes-256-gcm', first.key, iv)
    cipher.setAAD(additionalData(context))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return [formatVersion, first.id, iv.toString('base64url'), body.toString('base64url')].join('.')
  }

  const open = (sealed: string, context: SealContext): string => {
    const [version, keyId, ivText, bodyText, ...rest] = sealed.split('.')
    const where = `${context.table}.${context.column}`
    if (
      version !== formatVersion ||
      keyId === undefined ||
      ivText === undefined ||
      bodyText === undefined ||
      rest.length
    ) {
      throw new JunctionError('internal_error', `a sealed value in ${where} is not in the v1 format`)
    }
    const key = byId.get(keyId)
    if (key === undefined) {
      throw new JunctionError(
        'internal_error',
        `a sealed value in ${where} names key "${keyId}", which is not configured`,
      )
    }
    const iv = Buffer.from(ivText, 'base64url')
    const body = Buffer.from(bodyText, 'base64url')
    if (iv.length !== ivBytes || body.length < tagBytes) {
      throw new JunctionError('internal_error', `a sealed value in ${where} is truncated`)
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes })
      decipher.setAAD(additionalData(context))
      decipher.setAuthTag(body.subarray(body.length - tagBytes))
      return Buffer.concat([decipher.update(body.subarray(0, body.length - tagBytes)), decipher.final()]).toString(
        'utf8',
      )
    } catch (cause) {
      // Never fall back to reading the value as plaintext: a value that does not authenticate is an error.
      throw new JunctionError('internal_error', `a sealed value in ${where} failed authentication`, { cause })
    }
  }

  return Object.freeze({
    sealingKeyId: first.id,
    keyIds: keys.map((key) => key.id),
    seal,
    open,
    sealJson: (value: unknown, context: SealContext) => seal(JSON.stringify(value), context),
    openJson: <T>(sealed: string, context: SealContext) => JSON.parse(open(sealed, context)) as T,
  })
}

function additionalData(context: SealContext): Buffer {
  return Buffer.from(`${context.table}:${context.rowId}:${context.column}`, 'utf8')
}
