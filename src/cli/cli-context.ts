/** @module What every CLI command shares: reading the configuration, and opening the hub around a piece of work. */
import { type ConfigFlags, type JunctionOptions, loadConfig } from '../config/config.js'
import { createLogger, type Logger } from '../core/logger.js'
import type { Hub } from '../hub/hub.js'
import { type OpenHubOptions, openHub } from '../hub/open-hub.js'

export interface GlobalFlags {
  config?: string
}

export function readOptions(flags: ConfigFlags): JunctionOptions {
  return loadConfig({ cwd: process.cwd(), env: process.env, flags })
}

/** Log lines of one-shot commands go to standard error, so that standard output holds only the answer. */
export function commandLogger(): Logger {
  return createLogger({ level: 'warn', destination: process.stderr })
}

export async function withHub<T>(
  flags: ConfigFlags,
  work: (hub: Hub) => Promise<T>,
  open?: OpenHubOptions,
): Promise<T> {
  const hub = await openHub(readOptions(flags), commandLogger(), open)
  try {
    return await work(hub)
  } finally {
    await hub.close()
  }
}
