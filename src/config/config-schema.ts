/**
 * @module The schema of `junction.config.json` (the README's configuration section). Every object is strict: an
 * unknown key is an error.
 */
import { z } from 'zod'
import { integrationIdPattern } from '../core/ids.js'
import { secretRefSchema } from '../core/secret-ref.js'
import { apiSchema, providerDefinitionSchema, rateLimitSchema } from '../providers/definition.js'
import { sandboxConfigSchema } from './sandbox-config.js'

const id = z.string().regex(integrationIdPattern, 'expected an id matching ^[a-z][a-z0-9_-]{0,63}$')

/** The auth fields an integration may override: URLs only, to point at a staging host or the sandbox. */
const authOverrideSchema = z.strictObject({
  authorizeUrl: z.url().optional(),
  tokenUrl: z.url().optional(),
  revokeUrl: z.url().optional(),
  issuer: z.string().min(1).optional(),
})

/**
 * When an integration counts as degraded (docs/configuration.md, "alerts"): over the last 5 minutes, at least
 * `minCalls` calls and an error rate or a p95 latency at or above its threshold.
 */
export const alertThresholdsSchema = z.strictObject({
  errorRate: z.number().gt(0).max(1).optional(),
  p95Ms: z.number().int().min(1).max(600_000).optional(),
  minCalls: z.number().int().min(1).max(1_000_000).optional(),
})

export const integrationConfigSchema = z.strictObject({
  provider: id,
  displayName: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: secretRefSchema.optional(),
  scopes: z.array(z.string().min(1)).optional(),
  /** The app's own credential at an `api_key` provider: makes the integration app-level. */
  apiKey: secretRefSchema.optional(),
  /** Verifies the provider's webhooks; a list during a rotation (a signature made with any one is accepted). */
  webhookSecret: z.union([secretRefSchema, z.array(secretRefSchema).min(1).max(10)]).optional(),
  rateLimit: rateLimitSchema.optional(),
  api: apiSchema.partial().optional(),
  auth: authOverrideSchema.optional(),
  /** This integration's alert thresholds; a key not given is the top-level `alerts`' (or its default). */
  alerts: alertThresholdsSchema.optional(),
  /** Every GET through this integration uses the response cache (docs/configuration.md, "cache"). @default false */
  cache: z.boolean().optional(),
})

/** The response cache's store and bounds (docs/configuration.md, "cache"); which calls use it is said elsewhere. */
export const cacheConfigSchema = z.strictObject({
  store: z.enum(['memory', 'redis']).optional(),
  /** The memory store's bound on all entries' bytes. */
  maxBytes: z
    .number()
    .int()
    .min(65_536)
    .max(2 ** 40)
    .optional(),
  /** The largest body kept: the proxy's own limit on a success body (10 MiB) at most. */
  maxEntryBytes: z
    .number()
    .int()
    .min(1)
    .max(10 * 1024 * 1024)
    .optional(),
})

/**
 * How the pages the app's end users see (the connect form and the result page) present the app. The logo's URL is
 * checked further once the mode is known (config.ts).
 */
export const brandingSchema = z.strictObject({
  appName: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .refine((name) => !/[\p{Cc}\p{Cf}]/u.test(name), 'must not contain control or formatting characters'),
  logoUrl: z.url().optional(),
  accentColor: z
    .string()
    .refine((color) => /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(color), 'expected a colour as #rgb or #rrggbb')
    .optional(),
})

export const configFileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  publicUrl: z.url().optional(),
  dataDir: z.string().min(1).optional(),
  databaseUrl: secretRefSchema.optional(),
  redisUrl: secretRefSchema.optional(),
  encryptionKeys: secretRefSchema.optional(),
  eventsSecret: secretRefSchema.optional(),
  /** `false` turns the development sandbox off; an object configures it (fault injection, auto-approval, limits). */
  sandbox: z.union([z.boolean(), sandboxConfigSchema]).optional(),
  allowedReturnUrls: z.array(z.url()).default([]),
  /** Where events are sent (none: they are stored and listed only), and for how many days they are kept. */
  events: z
    .strictObject({ url: z.url().optional(), retentionDays: z.number().int().min(1).max(3650).optional() })
    .optional(),
  egress: z
    .strictObject({ allowPrivateNetworks: z.boolean().optional(), allowHttp: z.boolean().optional() })
    .optional(),
  /** The thresholds of `integration.degraded` and `integration.recovered` events for every integration. */
  alerts: alertThresholdsSchema.optional(),
  /** The response cache for proxied GETs: its store and bounds (off for every call until asked for). */
  cache: cacheConfigSchema.optional(),
  /** The app's name, logo and colour on the end-user pages (Junction's own plain look without it). */
  branding: brandingSchema.optional(),
  providers: z.record(id, providerDefinitionSchema).default({}),
  integrations: z.record(id, integrationConfigSchema).default({}),
})

export type ConfigFile = z.infer<typeof configFileSchema>
export type BrandingConfig = z.infer<typeof brandingSchema>
export type IntegrationConfig = z.infer<typeof integrationConfigSchema>
export type AlertThresholdsConfig = z.infer<typeof alertThresholdsSchema>
export type CacheConfig = z.infer<typeof cacheConfigSchema>
