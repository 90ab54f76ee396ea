/**
 * @module The first API key. In development a hub with no key creates one, writes it to `<dataDir>/initial-api-key`
 * (mode 0600) and prints it only to a terminal; the log names the file, never the key. Production refuses to start
 * without a key and says how to make one.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JunctionError } from '../core/errors.js'
import type { Hub } from './open-hub.js'

export function initialApiKeyFile(dataDir: string): string {
  return join(dataDir, 'initial-api-key')
}

export interface FirstKeyOutput {
  /** Whether standard output is a terminal (the key is printed only then). */
  isTerminal: boolean
  print(line: string): void
}

export async function ensureFirstApiKey(hub: Hub, output: FirstKeyOutput): Promise<void> {
  if ((await hub.apiKeys.countActive()) > 0) return
  if (hub.options.mode === 'production') {
    throw new JunctionError(
      'unavailable',
      'no API key exists: create one with `junction keys create <name>` (same configuration), then start again',
    )
  }
  const { key, info } = await hub.apiKeys.create('initial')
  const file = initialApiKeyFile(hub.options.dataDir)
  try {
    // A fresh file renamed into place: an existing file with looser permissions is replaced, not reused.
    mkdirSync(hub.options.dataDir, { recursive: true, mode: 0o700 })
    const draft = `${file}.${process.pid}.tmp`
    rmSync(draft, { force: true })
    writeFileSync(draft, `${key}\n`, { mode: 0o600, flag: 'wx' })
    renameSync(draft, file)
  } catch (error) {
    // A key nobody can read is useless and would stop the next start from making one.
    await hub.apiKeys.revoke(info.id)
    throw error
  }
  hub.logger.info({ file, keyId: info.id }, 'created the first API key and wrote it to a file readable only by you')
  if (output.isTerminal) output.print(`Your first API key (also in ${file}):\n  ${key}\n`)
}
