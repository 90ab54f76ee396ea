/**
 * @module The options of `createJunction()` (docs/library.md, "Options"), turned into the same validated
 * configuration that `junction start` reads. The library reads no environment variable: the options become the
 * explicit environment given to {@link loadConfig}, and `{ "env": NAME }` secrets of the configuration resolve only
 * from `secrets`.
 */
import { readFileSync } from 'node:fs'
import { type JunctionOptions, loadConfig, type Mode } from '../config/config.js'
import { ConfigError, isConfigError } from '../core/config-error.js'
import type { Logger } from '../core/logger.js'

export interface CreateJunctionOptions {
  /** A path to a JSON file (relative to the working directory), or an object of the same schema as `junction.config.json`. */
  config: string | Record<string, unknown>
  /** The embedded database's directory (also where development key files go). Give this or `databaseUrl`. */
  dataDir?: string | undefined
  /** A `postgres://` URL: PostgreSQL instead of the embedded database. */
  databaseUrl?: string | undefined
  /**
   * Comma-separated `keyId:base64-of-32-bytes`, the first seals, all open (as `JUNCTION_ENCRYPTION_KEYS`). Required in
   * production; in development a key is generated into `dataDir` when none is given.
   */
  encryptionKeys?: string | undefined
  /** Rate limits shared by every instance, in Redis (as `JUNCTION_REDIS_URL`). */
  redisUrl?: string | undefined
  /** `whsec_…`, signs the events sent to the app (as `JUNCTION_EVENTS_SECRET`). */
  eventsSecret?: string | undefined
  /** Development generates missing keys, serves the sandbox and creates a first API key; production never does. */
  mode: Mode
  /**
   * Where `handle()` is mounted in the app, e.g. `/junction` (`/` or `''` for the root). The configuration's
   * `publicUrl` must end with it, since every link and redirect Junction makes starts with `publicUrl`. Needed, with
   * `publicUrl`, only by `handle()` and `connectUrl()`: an app that only calls the functions may leave both out.
   */
  basePath?: string | undefined
  /**
   * Where `{ "env": NAME }` secrets of `config` are looked up; nothing else is read from it (`JUNCTION_*` variables
   * in it are ignored). The library never reads `process.env` itself: pass `secrets: process.env` to resolve them
   * from the environment.
   * @default {}
   */
  secrets?: Readonly<Record<string, string | undefined>> | undefined
  /** Where the hub logs: your pino logger (Junction logs through a child that redacts secrets). @default silent */
  logger?: Logger | undefined
}

/** The option each `JUNCTION_*` variable stands for here, so that a configuration error names the option. */
const optionOfVariable: Readonly<Record<string, string>> = {
  '--config': 'config',
  JUNCTION_DATA_DIR: 'dataDir',
  JUNCTION_DATABASE_URL: 'databaseUrl',
  JUNCTION_ENCRYPTION_KEYS: 'encryptionKeys',
  JUNCTION_REDIS_URL: 'redisUrl',
  JUNCTION_EVENTS_SECRET: 'eventsSecret',
}

export interface LibraryOptions {
  options: JunctionOptions
  /** The normalised base path (`''` for the root); `''` too when none was given, as `handle()` then refuses. */
  basePath: string
  /** Throws, naming the option, when `use` (`handle()`, `connectUrl()`) lacks `basePath` or `publicUrl`. */
  requireMount(use: string): void
}

/** Reads the options into the hub's configuration and the normalised base path. Throws {@link ConfigError}. */
export function readLibraryOptions(input: CreateJunctionOptions): LibraryOptions {
  if (input.mode !== 'development' && input.mode !== 'production') {
    throw new ConfigError('mode', "expected 'development' or 'production'")
  }
  if (typeof input.config !== 'string' && (typeof input.config !== 'object' || input.config === null)) {
    throw new ConfigError('config', 'required: a path to a JSON file, or an object of the same schema')
  }
  if (input.dataDir === undefined && input.databaseUrl === undefined) {
    throw new ConfigError('dataDir', 'required: dataDir (embedded database) or databaseUrl (PostgreSQL)')
  }
  if (input.mode === 'production' && input.encryptionKeys === undefined) {
    throw new ConfigError(
      'encryptionKeys',
      'required in production: keyId:base64-of-32-bytes, e.g. k1:$(openssl rand -base64 32)',
    )
  }
  const basePath = input.basePath === undefined ? undefined : normaliseBasePath(input.basePath)
  let options: JunctionOptions
  try {
    options = loadConfig({
      cwd: process.cwd(),
      env: explicitEnv(input),
      ...(typeof input.config === 'string' ? { flags: { config: input.config } } : { file: input.config }),
    })
  } catch (error) {
    throw isConfigError(error) && error.path in optionOfVariable
      ? new ConfigError(optionOfVariable[error.path] ?? error.path, error.reason)
      : error
  }
  const publicUrlGiven = hasPublicUrl(input.config, options.configFile)
  // Both given: the app means to mount handle(), so a publicUrl that does not lead there is refused at once.
  if (basePath !== undefined && publicUrlGiven) assertPublicUrlHasBasePath(options.publicUrl, basePath)
  return {
    options,
    basePath: basePath ?? '',
    requireMount(use) {
      if (basePath === undefined)
        throw new ConfigError('basePath', `required by ${use}: the path where handle() is mounted, e.g. /junction`)
      if (!publicUrlGiven)
        throw new ConfigError(
          'publicUrl',
          `required by ${use}: the URL at which handle() is reached, e.g. https://app.example.com${basePath} (in config)`,
        )
    },
  }
}

/** Whether the configuration sets `publicUrl` (otherwise the hub's default, `http://localhost:<port>`, is not the app's). */
function hasPublicUrl(config: CreateJunctionOptions['config'], configFile: string | undefined): boolean {
  if (typeof config !== 'string') return config.publicUrl !== undefined
  // loadConfig has read and validated this file already.
  return (
    configFile !== undefined &&
    (JSON.parse(readFileSync(configFile, 'utf8')) as { publicUrl?: unknown }).publicUrl !== undefined
  )
}

/**
 * The environment `loadConfig` sees: the secrets (for `{ "env": NAME }` references) without any variable that would
 * configure the hub, then the options. `JUNCTION_HOST` is loopback: the library binds nothing, and the host would
 * otherwise decide the mode.
 */
function explicitEnv(input: CreateJunctionOptions): Record<string, string | undefined> {
  const secrets = Object.fromEntries(
    Object.entries(input.secrets ?? {}).filter(([name]) => !name.startsWith('JUNCTION_') && name !== 'NODE_ENV'),
  )
  return {
    ...secrets,
    NODE_ENV: input.mode,
    JUNCTION_HOST: '127.0.0.1',
    JUNCTION_DATA_DIR: input.dataDir,
    JUNCTION_DATABASE_URL: input.databaseUrl,
    JUNCTION_ENCRYPTION_KEYS: input.encryptionKeys,
    JUNCTION_REDIS_URL: input.redisUrl,
    JUNCTION_EVENTS_SECRET: input.eventsSecret,
  }
}

/** `/junction/` → `/junction`; `/` and `''` → `''` (the root). */
function normaliseBasePath(basePath: string): string {
  if (typeof basePath !== 'string') throw new ConfigError('basePath', 'expected a path such as /junction')
  const trimmed = basePath.replace(/\/+$/, '')
  if (trimmed === '') return ''
  const segments = trimmed.split('/').slice(1)
  const valid =
    trimmed.startsWith('/') &&
    segments.every((segment) => /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/.test(segment) && !/^\.{1,2}$/.test(segment))
  if (!valid)
    throw new ConfigError('basePath', 'expected a path such as /junction (no query, dot segment or empty segment)')
  return trimmed
}

function assertPublicUrlHasBasePath(publicUrl: string, basePath: string): void {
  // A base path starts with `/`, so a suffix match falls on a segment boundary (`/x/junction`, not `/xjunction`).
  if (new URL(publicUrl).pathname.replace(/\/+$/, '').endsWith(basePath)) return
  throw new ConfigError(
    'publicUrl',
    `must end with the basePath ${basePath} (the URL at which handle() is reached, e.g. https://app.example.com${basePath})`,
  )
}
