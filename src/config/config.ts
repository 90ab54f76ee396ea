/**
 * @module Configuration: the file, the environment and the CLI flags of the README's configuration section, read
 * once at start into one frozen, validated object. A flag beats the environment, which beats the file, which beats
 * the default. Library code never reads `process.env`: callers pass it in.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { z } from 'zod'
import { ConfigError } from '../core/config-error.js'
import { isLoopbackHost } from '../core/network.js'
import { resolveSecret, type SecretRef } from '../core/secret-ref.js'
import { describeIssue } from '../core/zod-issue.js'
import {
  allowedHostsRequired,
  hasPlaceholders,
  type ProviderAuthType,
  type ProviderDefinition,
} from '../providers/definition.js'
import type { Provider } from '../providers/provider.js'
import { createProviderRegistry } from '../providers/registry.js'
import { type EncryptionKey, parseEncryptionKeys } from '../vault/keys.js'
import {
  type AlertThresholdsConfig,
  type BrandingConfig,
  type CacheConfig,
  type ConfigFile,
  configFileSchema,
  type IntegrationConfig,
} from './config-schema.js'
import type { SandboxConfig } from './sandbox-config.js'

export type Mode = 'development' | 'production'

export interface IntegrationOptions {
  readonly id: string
  readonly provider: string
  readonly authType: ProviderAuthType
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
  readonly apiKey: string | undefined
  /** Secrets the provider's webhooks may be signed with (empty: the integration takes no webhooks). */
  readonly webhookSecrets: readonly string[]
  readonly scopes: readonly string[]
  /** Every GET through the integration uses the response cache. @default false */
  readonly cache?: boolean
  readonly overrides: Pick<IntegrationConfig, 'rateLimit' | 'api' | 'auth' | 'displayName'>
}

/** The app as its end users know it, on the connect form and the result page (docs/configuration.md, "branding"). */
export interface Branding {
  /** Shown as text, escaped; 1 to 60 characters. */
  readonly appName: string
  /** An https URL (http only on a loopback host in development), only ever an image's `src`. */
  readonly logoUrl: string | undefined
  /** `#rgb` or `#rrggbb`: buttons and links. */
  readonly accentColor: string | undefined
}

/**
 * When an integration counts as degraded: over the alert window (5 minutes), at least `minCalls` calls, and an error
 * rate or a p95 latency at or above its threshold (docs/configuration.md, "alerts").
 */
export interface AlertThresholds {
  /** Share of calls with no answer or a 4xx/5xx, above 0 and at most 1. @default 0.2 */
  readonly errorRate: number
  /** @default 5000 */
  readonly p95Ms: number
  /** Fewer calls than this are too few to judge: the state stays as it is. @default 20 */
  readonly minCalls: number
}

/** The response cache's store and bounds (docs/configuration.md, "cache"). */
export interface CacheOptions {
  /** `redis` needs `redisUrl`. @default 'memory' */
  readonly store: 'memory' | 'redis'
  /** The memory store's bound (Redis's is its own `maxmemory`). @default 67_108_864 (64 MiB) */
  readonly maxBytes: number
  /** A larger body streams through and is not kept. @default 1_048_576 (1 MiB) */
  readonly maxEntryBytes: number
}

export const defaultCacheOptions: CacheOptions = Object.freeze({
  store: 'memory',
  maxBytes: 64 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
})

export const defaultAlertThresholds: AlertThresholds = Object.freeze({ errorRate: 0.2, p95Ms: 5_000, minCalls: 20 })

export interface JunctionOptions {
  readonly mode: Mode
  readonly host: string
  readonly port: number
  readonly publicUrl: string
  /** Absolute path: embedded database, lock, generated key files. */
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  readonly redisUrl: string | undefined
  /** Keys from configuration, the first seals. The development key file is added when the hub opens. */
  readonly encryptionKeys: readonly EncryptionKey[]
  /**
   * The `whsec_…` secrets events are signed with (`JUNCTION_EVENTS_SECRET`, comma-separated for a rotation: each
   * signs). Empty when none is configured: development then generates one when the hub starts.
   */
  readonly eventsSecrets: readonly string[]
  /** Whether the sandbox provider is served (development only). */
  readonly sandbox: boolean
  readonly sandboxConfig: SandboxConfig
  readonly allowedReturnUrls: readonly string[]
  /** How the end-user pages present the app; undefined: Junction's own plain pages. */
  readonly branding: Branding | undefined
  readonly eventsUrl: string | undefined
  /** Days an event is kept after it was created. @default 30 */
  readonly eventsRetentionDays: number
  readonly egress: { readonly allowPrivateNetworks: boolean; readonly allowHttp: boolean }
  /** Alert thresholds: every integration's (`alerts`), and those an integration sets for itself, merged over them. */
  readonly alerts: {
    readonly defaults: AlertThresholds
    readonly integrations: Readonly<Record<string, AlertThresholds>>
  }
  /** The response cache for proxied GETs. */
  readonly cache: CacheOptions
  readonly providers: Readonly<Record<string, ProviderDefinition>>
  /** Every provider, built-in and from the config file, by name (built once, here). */
  readonly registry: ReadonlyMap<string, Provider>
  readonly integrations: Readonly<Record<string, IntegrationOptions>>
  /** The config file that was read, if any. */
  readonly configFile: string | undefined
}

export interface ConfigFlags {
  host?: string | undefined
  port?: number | undefined
  config?: string | undefined
}

export interface ConfigSources {
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  flags?: ConfigFlags
  /** The configuration as an object instead of a file (the library's `config` option). */
  file?: unknown
}

const defaultConfigFile = 'junction.config.json'

/** Reads and validates the configuration. Throws {@link ConfigError} naming the JSON path or variable at fault. */
export function loadConfig(sources: ConfigSources): JunctionOptions {
  const { path: configFile, raw } =
    sources.file === undefined ? readConfigFile(sources) : { path: undefined, raw: sources.file }
  const parsed = configFileSchema.safeParse(raw ?? {}, { reportInput: true })
  if (!parsed.success) throw configErrorFrom(parsed.error)
  return Object.freeze(buildOptions(parsed.data, configFile, sources))
}

function readConfigFile(sources: ConfigSources): { path: string | undefined; raw: unknown } {
  const named = sources.flags?.config ?? withoutEmptyValues(sources.env).JUNCTION_CONFIG
  const path = resolve(sources.cwd, named ?? defaultConfigFile)
  if (!existsSync(path)) {
    if (named !== undefined)
      throw new ConfigError(sources.flags?.config ? '--config' : 'JUNCTION_CONFIG', 'file not found')
    return { path: undefined, raw: undefined }
  }
  try {
    return { path, raw: JSON.parse(readFileSync(path, 'utf8')) }
  } catch {
    // The parser's message quotes the file's text, which may hold a secret: say only where.
    throw new ConfigError(path, 'not valid JSON')
  }
}

function configErrorFrom(error: z.ZodError): ConfigError {
  const issue = error.issues[0]
  if (issue === undefined) return new ConfigError('(root)', 'invalid')
  const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')
  return new ConfigError(path, describeIssue(issue))
}

function buildOptions(file: ConfigFile, configFile: string | undefined, sources: ConfigSources): JunctionOptions {
  const { flags = {}, cwd } = sources
  const env = withoutEmptyValues(sources.env)
  const secret = (ref: SecretRef | undefined, path: string) =>
    ref === undefined ? undefined : resolveSecret(ref, path, env)

  const host = flags.host ?? env.JUNCTION_HOST ?? file.host ?? '127.0.0.1'
  const port = flags.port ?? parsePort(env.JUNCTION_PORT) ?? file.port ?? 3003
  const mode: Mode = isDevelopmentEnv(env.NODE_ENV) && isLoopbackHost(host) ? 'development' : 'production'
  const publicUrl = env.JUNCTION_PUBLIC_URL ?? file.publicUrl ?? `http://localhost:${port}`
  if (!URL.canParse(publicUrl)) throw new ConfigError('JUNCTION_PUBLIC_URL', 'expected a URL')
  const hubUrl = publicUrl.replace(/\/+$/, '')
  const registry = createProviderRegistry({ publicUrl: hubUrl, custom: file.providers })

  const databaseUrl = pickSecret(env, 'JUNCTION_DATABASE_URL', file.databaseUrl, 'databaseUrl', secret)
  if (databaseUrl.value !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl.value)) {
    throw new ConfigError(databaseUrl.path, 'expected a postgres:// URL')
  }
  const redisUrl = pickSecret(env, 'JUNCTION_REDIS_URL', file.redisUrl, 'redisUrl', secret)
  if (redisUrl.value !== undefined && !/^rediss?:\/\//.test(redisUrl.value)) {
    throw new ConfigError(redisUrl.path, 'expected a redis:// URL')
  }
  const keys = pickSecret(env, 'JUNCTION_ENCRYPTION_KEYS', file.encryptionKeys, 'encryptionKeys', secret)
  const eventsSecret = pickSecret(env, 'JUNCTION_EVENTS_SECRET', file.eventsSecret, 'eventsSecret', secret)
  const eventsSecrets = parseEventsSecrets(eventsSecret.value, eventsSecret.path)
  if (mode === 'production' && file.events?.url !== undefined && eventsSecrets.length === 0) {
    throw new ConfigError(
      'JUNCTION_EVENTS_SECRET',
      'required in production once events.url is set: whsec_ followed by base64 of 32 random bytes, e.g. whsec_$(openssl rand -base64 32)',
    )
  }
  const developmentDefault = mode === 'development'

  return {
    mode,
    host,
    port,
    publicUrl: hubUrl,
    dataDir: resolve(cwd, env.JUNCTION_DATA_DIR ?? file.dataDir ?? '.junction'),
    databaseUrl: databaseUrl.value,
    redisUrl: redisUrl.value,
    encryptionKeys: keys.value === undefined ? [] : parseEncryptionKeys(keys.value, keys.path),
    eventsSecrets,
    // Parsed in every mode, so that a bad value is reported even where it would not matter.
    sandbox: parseSwitch(env.JUNCTION_SANDBOX, 'JUNCTION_SANDBOX', file.sandbox !== false) && developmentDefault,
    sandboxConfig: typeof file.sandbox === 'object' ? file.sandbox : {},
    allowedReturnUrls: file.allowedReturnUrls,
    branding: file.branding === undefined ? undefined : checkBranding(file.branding, mode),
    eventsUrl: file.events?.url,
    eventsRetentionDays: file.events?.retentionDays ?? 30,
    egress: {
      allowPrivateNetworks: file.egress?.allowPrivateNetworks ?? developmentDefault,
      allowHttp: file.egress?.allowHttp ?? developmentDefault,
    },
    alerts: alertsOf(file),
    cache: cacheOf(file.cache, redisUrl.value),
    providers: file.providers,
    registry,
    integrations: resolveIntegrations(file, registry, secret),
    configFile,
  }
}

/**
 * The logo is fetched by end users' browsers and allowed by the pages' Content-Security-Policy by its origin: https
 * only (http on a loopback host in development, for an app served locally), no credentials, and a plain host name so
 * that the origin cannot carry anything into the header.
 */
function checkBranding(branding: BrandingConfig, mode: Mode): Branding {
  const { logoUrl } = branding
  if (logoUrl !== undefined) {
    const url = new URL(logoUrl)
    const local = mode === 'development' && url.protocol === 'http:' && isLoopbackHost(url.hostname)
    if (url.protocol !== 'https:' && !local)
      throw new ConfigError(
        'branding.logoUrl',
        'expected an https:// URL (http:// only on a loopback host in development)',
      )
    if (url.username !== '' || url.password !== '')
      throw new ConfigError('branding.logoUrl', 'must not contain a user name or password')
    if (!/^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/.test(url.hostname))
      throw new ConfigError('branding.logoUrl', 'expected a plain host name (letters, digits, dots and hyphens)')
  }
  return { appName: branding.appName, logoUrl, accentColor: branding.accentColor?.toLowerCase() }
}

function cacheOf(cache: CacheConfig | undefined, redisUrl: string | undefined): CacheOptions {
  const options: CacheOptions = Object.freeze({
    store: cache?.store ?? defaultCacheOptions.store,
    maxBytes: cache?.maxBytes ?? defaultCacheOptions.maxBytes,
    maxEntryBytes: cache?.maxEntryBytes ?? defaultCacheOptions.maxEntryBytes,
  })
  if (options.store === 'redis' && redisUrl === undefined)
    throw new ConfigError('cache.store', '"redis" needs redisUrl (or JUNCTION_REDIS_URL), which is not set')
  if (options.maxEntryBytes > options.maxBytes)
    throw new ConfigError('cache.maxEntryBytes', `must not be more than cache.maxBytes (${options.maxBytes})`)
  return options
}

function alertsOf(file: ConfigFile): JunctionOptions['alerts'] {
  const merge = (base: AlertThresholds, given: AlertThresholdsConfig | undefined): AlertThresholds =>
    Object.freeze({
      errorRate: given?.errorRate ?? base.errorRate,
      p95Ms: given?.p95Ms ?? base.p95Ms,
      minCalls: given?.minCalls ?? base.minCalls,
    })
  const defaults = merge(defaultAlertThresholds, file.alerts)
  const integrations: Record<string, AlertThresholds> = {}
  for (const [id, integration] of Object.entries(file.integrations))
    if (integration.alerts !== undefined) integrations[id] = merge(defaults, integration.alerts)
  return { defaults, integrations }
}

/** An empty variable counts as unset everywhere: `JUNCTION_HOST=` must not mean "bind every interface". */
function withoutEmptyValues(env: ConfigSources['env']): ConfigSources['env'] {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
}

/** `whsec_…`, or several separated by commas (a rotation: events are signed with each). */
function parseEventsSecrets(text: string | undefined, path: string): readonly string[] {
  if (text === undefined) return []
  const secrets = text.split(',').map((entry) => entry.trim())
  // The value itself is never echoed: only which entry is wrong.
  for (const [index, entry] of secrets.entries()) {
    if (!/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(entry)) {
      const which = secrets.length === 1 ? '' : ` (entry ${index + 1} of ${secrets.length})`
      throw new ConfigError(path, `expected whsec_ followed by base64${which}`)
    }
  }
  return secrets
}

function isDevelopmentEnv(nodeEnv: string | undefined): boolean {
  return nodeEnv === undefined || nodeEnv === '' || nodeEnv === 'development'
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError('JUNCTION_PORT', 'expected a port number (0-65535)')
  return port
}

function parseSwitch(text: string | undefined, name: string, fallback: boolean): boolean {
  if (text === undefined) return fallback
  if (text === '1') return true
  if (text === '0') return false
  throw new ConfigError(name, 'expected 1 or 0')
}

type SecretResolver = (ref: SecretRef | undefined, path: string) => string | undefined

function pickSecret(
  env: ConfigSources['env'],
  variable: string,
  fromFile: SecretRef | undefined,
  filePath: string,
  secret: SecretResolver,
): { value: string | undefined; path: string } {
  const fromEnv = env[variable]
  if (fromEnv !== undefined) return { value: fromEnv, path: variable }
  return { value: secret(fromFile, filePath), path: filePath }
}

function resolveIntegrations(
  file: ConfigFile,
  providers: ReadonlyMap<string, Provider>,
  secret: SecretResolver,
): Record<string, IntegrationOptions> {
  const result: Record<string, IntegrationOptions> = {}
  for (const [id, integration] of Object.entries(file.integrations)) {
    const path = `integrations.${id}`
    const definition = providers.get(integration.provider)?.definition
    if (definition === undefined)
      throw new ConfigError(`${path}.provider`, `unknown provider "${integration.provider}"`)
    const authType = definition.auth.type
    // An override of the base URL is held to the same rule as a provider's own.
    const baseUrl = integration.api?.baseUrl ?? definition.api.baseUrl
    const allowedHosts = integration.api?.allowedHosts ?? definition.api.allowedHosts
    if (hasPlaceholders(baseUrl) && allowedHosts === undefined)
      throw new ConfigError(`${path}.api.allowedHosts`, allowedHostsRequired)
    const needsClient = authType === 'oauth2' || authType === 'oauth2_client_credentials'
    if (needsClient && integration.clientId === undefined) throw new ConfigError(`${path}.clientId`, 'required')
    if (needsClient && integration.clientSecret === undefined) throw new ConfigError(`${path}.clientSecret`, 'required')
    if (integration.apiKey !== undefined && authType !== 'api_key') {
      throw new ConfigError(`${path}.apiKey`, `not used by a provider whose auth type is ${authType}`)
    }
    const { rateLimit, api, auth, displayName, cache = false } = integration
    result[id] = {
      id,
      provider: integration.provider,
      authType,
      clientId: integration.clientId,
      clientSecret: secret(integration.clientSecret, `${path}.clientSecret`),
      apiKey: secret(integration.apiKey, `${path}.apiKey`),
      webhookSecrets: webhookSecrets(integration.webhookSecret, `${path}.webhookSecret`, secret),
      scopes: integration.scopes ?? [],
      cache,
      overrides: { rateLimit, api, auth, displayName },
    }
  }
  return result
}

/** A secret or a list of them (rotation), resolved; a list's entries are named by index in errors. */
function webhookSecrets(
  refs: SecretRef | readonly SecretRef[] | undefined,
  path: string,
  secret: SecretResolver,
): readonly string[] {
  if (refs === undefined) return []
  if (!Array.isArray(refs)) return [secret(refs as SecretRef, path) as string]
  return refs.map((ref, index) => secret(ref, `${path}.${index}`) as string)
}
