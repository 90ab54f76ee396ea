import { join } from 'node:path'
import { JunctionError } from '../core/errors.js'
import { replacePrivateFile } from '../core/private-file.js'
import type { Hub } from './hub.js'

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
    replacePrivateFile(file, `${key}\n`)
  } catch (error) {
    // A key nobody can read is useless and would stop the next start from making one.
    await hub.apiKeys.revoke(info.id)
    throw error
  }
  hub.logger.info({ file, keyId: info.id }, 'created the first API key and wrote it to a file readable only by you')
  if (output.isTerminal) output.print(`Your first API key (also in ${file}):\n  ${key}\n`)
}
