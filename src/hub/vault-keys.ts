/**
 * @module Which encryption keys the hub uses: those configured, and the development key file. In development with no
 * key configured, a key is generated into `<dataDir>/encryption.key` (mode 0600). Once keys are configured, that file
 * is still loaded, to open only, until `junction vault rotate` leaves nothing sealed under it and retires it.
 * Production never generates a key and never runs without one.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { JunctionOptions } from '../config/config.js'
import { ConfigError } from '../core/config-error.js'
import type { Logger } from '../core/logger.js'
import { writePrivateFileOnce } from '../core/private-file.js'
import { type EncryptionKey, generateEncryptionKeyText, parseEncryptionKeys } from '../vault/keys.js'

export const developmentKeyId = 'dev'

export function developmentKeyFile(dataDir: string): string {
  return join(dataDir, 'encryption.key')
}

export interface VaultKeys {
  /** Sealing key first. */
  readonly keys: readonly EncryptionKey[]
  /** The development key file, when it was loaded. */
  readonly developmentFile: string | undefined
}

export function loadVaultKeys(options: JunctionOptions, logger: Logger): VaultKeys {
  const file = developmentKeyFile(options.dataDir)
  const configured = options.encryptionKeys
  if (configured.length === 0 && options.mode === 'production') {
    throw new ConfigError(
      'JUNCTION_ENCRYPTION_KEYS',
      'required in production: set it to keyId:base64-of-32-bytes, e.g. k1:$(openssl rand -base64 32)',
    )
  }
  if (
    configured.length === 0 &&
    !existsSync(file) &&
    writePrivateFileOnce(file, `${generateEncryptionKeyText(developmentKeyId)}\n`)
  ) {
    logger.warn({ file }, 'generated a development encryption key; set JUNCTION_ENCRYPTION_KEYS before production')
  }
  if (!existsSync(file)) return { keys: configured, developmentFile: undefined }
  const fromFile = parseEncryptionKeys(readFileSync(file, 'utf8').trim(), file)
  const extra = fromFile.filter((key) => {
    const same = configured.find((candidate) => candidate.id === key.id)
    if (same !== undefined && !same.key.equals(key.key)) {
      throw new ConfigError('JUNCTION_ENCRYPTION_KEYS', `key id "${key.id}" is also used by ${file} with other bytes`)
    }
    return same === undefined
  })
  return { keys: [...configured, ...extra], developmentFile: file }
}

/** Renames the development key file once no value is sealed under it any more; it is then no longer loaded. */
export function retireDevelopmentKeyFile(file: string): string {
  const retired = `${file}.retired`
  renameSync(file, retired)
  return retired
}
