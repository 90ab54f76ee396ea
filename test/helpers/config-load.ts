/** The configuration as a config test reads it: a file's object and an environment, from a fixed working directory. */
import { loadConfig } from '../../src/config/config.js'

export function loadTestConfig(file: unknown, env: Record<string, string> = {}, flags = {}) {
  return loadConfig({ cwd: '/srv/app', env, flags, file })
}

/** The message of the config error `run` throws; fails when it throws none. */
export function configError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a config error')
}
