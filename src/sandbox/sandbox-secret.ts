/**
 * @module The development sandbox's signing secret, kept in `<dataDir>/sandbox.secret` (mode 0600) so that sandbox
 * tokens, and the connections holding them, survive a restart.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writePrivateFileOnce } from '../core/private-file.js'

export function loadSandboxSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'sandbox.secret')
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  } catch {
    writePrivateFileOnce(file, `${randomBytes(32).toString('base64url')}\n`)
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  }
}
