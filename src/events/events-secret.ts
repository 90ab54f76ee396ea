/**
 * @module The secrets events are signed with. Configured ones (`JUNCTION_EVENTS_SECRET`) come first; in development
 * with none configured, one is generated into `<dataDir>/events-secret` (mode 0600) and kept there, so that the app
 * can read it to verify events, and it survives a restart. The log names the file once, never the value. Production
 * never generates one (the configuration requires it once `events.url` is set).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JunctionOptions } from '../config/config.js'
import type { Logger } from '../core/logger.js'
import { writePrivateFileOnce } from '../core/private-file.js'

export function eventsSecretFile(dataDir: string): string {
  return join(dataDir, 'events-secret')
}

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (the specification asks 24 to 64). */
export function generateEventsSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export function loadEventsSecrets(
  options: Pick<JunctionOptions, 'eventsSecrets' | 'mode' | 'dataDir'>,
  logger: Logger,
): readonly string[] {
  if (options.eventsSecrets.length > 0 || options.mode !== 'development') return options.eventsSecrets
  const file = eventsSecretFile(options.dataDir)
  if (!existsSync(file) && writePrivateFileOnce(file, `${generateEventsSecret()}\n`)) {
    logger.warn({ file }, 'generated a development events secret; set JUNCTION_EVENTS_SECRET before production')
  }
  return [readFileSync(file, 'utf8').trim()]
}
