/**
 * @module The request schemas of the HTTP API: the routes validate with them, and `/openapi.json` is generated from
 * them, so the description cannot drift from what is accepted (the answers' schemas are in api-responses.ts).
 */
import { z } from 'zod'
import { apiKeyScopes } from '../api-keys/key-scope.js'

export const apiKeyScopeSchema = z
  .enum(apiKeyScopes)
  .describe(
    '`admin`: everything; `read`: only GET under /v1 (the key list and GETs through the proxy included), never a path ending in /token; `metrics`: only /metrics',
  )

export const apiKeyCreateSchema = z.strictObject({
  name: z.string().min(1).max(100),
  /** @default 'admin' */
  scope: apiKeyScopeSchema.optional(),
})

export const connectSessionSchema = z.strictObject({
  integration: z.string().min(1).max(64),
  userId: z.string().min(1).max(255),
  returnUrl: z.string().max(2_000).optional(),
})

const credentialsSchema = z.union([
  z.strictObject({ apiKey: z.string().min(1).max(10_000) }),
  z.strictObject({ username: z.string().min(1).max(1_000), password: z.string().max(10_000) }),
  z.strictObject({
    accessToken: z.string().min(1).max(20_000),
    refreshToken: z.string().min(1).max(20_000).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    scopes: z.array(z.string().min(1).max(500)).max(200).optional(),
    metadata: z.record(z.string(), z.string().max(2_000)).optional(),
  }),
])

export const connectionImportSchema = z.strictObject({
  integration: z.string().min(1).max(64),
  userId: z.string().min(1).max(255),
  credentials: credentialsSchema,
})

export const connectionStatusSchema = z.enum(['active', 'needs_reauth', 'refresh_failing', 'revoked'])

/** The filters of `GET /v1/connections` (with `limit` and `cursor`). */
export const connectionFilters = {
  integration: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  status: connectionStatusSchema.optional(),
}

/** The filters of `GET /v1/logs` (with `limit` and `cursor`). */
export const logFilters = {
  integration: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  status: z.string().max(8).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
}

export const eventStatusSchema = z.enum(['pending', 'retrying', 'delivered', 'dead'])

/** The filters of `GET /v1/events` (with `limit` and `cursor`). */
export const eventFilters = {
  type: z.string().min(1).max(100).optional(),
  integration: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  status: eventStatusSchema.optional(),
}

/** The body of `POST /v1/events/redeliver`: which events are attempted again now. */
export const eventRedeliverySchema = z.strictObject({
  status: z.enum(['dead', 'retrying']),
  type: z.string().min(1).max(100).optional(),
  integration: z.string().min(1).max(64).optional(),
  /** Events created at or after this instant. */
  since: z.iso.datetime({ offset: true }).optional(),
})

/** The query of `GET /v1/usage` (with `limit` and `cursor`). */
export const usageFilters = {
  groupBy: z.enum(['integration', 'userId']).optional().describe('what a row counts: one integration or one end user'),
  interval: z.enum(['hour', 'day']).optional().describe('the buckets: UTC hours or days (default day)'),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('the period starts here (default: until less 24 hours by hour, 30 days by day)'),
  until: z.iso.datetime({ offset: true }).optional().describe('the period ends before this (default now)'),
  integration: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  format: z.enum(['json', 'csv']).optional().describe('`csv`: the whole period as CSV, no paging'),
}
