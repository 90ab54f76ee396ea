/**
 * @module The development sandbox's signing secret, kept in `<dataDir>/sandbox.secret` (mode 0600) so that sandbox
 * tokens, and the connections holding them, survive a restart.
 */
import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function loadSandboxSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'sandbox.secret')
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  } catch {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const draft = `${file}.${process.pid}.tmp`
    writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })
    try {
      linkSync(draft, file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      rmSync(draft, { force: true })
    }
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url')
  }
}
