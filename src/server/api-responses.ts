/**
 * @module The answers of the HTTP API: every JSON body that `/v1` and `/health` answer with, as zod schemas.
 * `/openapi.json` describes the answers with them (openapi.ts), and test/api-responses.test.ts validates each route's
 * real answer with the same schema, so the description cannot drift from what is answered. Objects are strict: a
 * field added to an answer without its line here fails that test.
 */
import { z } from 'zod'
import { apiKeyScopeSchema, connectionStatusSchema, eventStatusSchema } from './api-schemas.js'

/** A time as every answer writes it: RFC 3339 in UTC with milliseconds (`2026-11-27T19:23:45.123Z`). */
const time = z.iso.datetime({ precision: 3 })
const count = z.int().nonnegative()
/** Milliseconds, rounded. */
const ms = z.int().nonnegative()

/** A page of a list: `nextCursor` asks for the next one (`cursor=`); null when there is none. */
export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.strictObject({
    data: z.array(item),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null when there is none'),
  })
}

/** Junction's own error; each operation names the codes it can carry (docs/http-api.md, "Errors"). */
export const apiErrorSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('a stable code, such as `connection_not_found`'),
      message: z.string().describe('a human sentence; never a secret or a stack trace'),
    }),
  })
  .describe('Junction\'s own error (docs/http-api.md, "Errors"); each response lists the codes it can carry')

/** `GET /health`: 200 while the database answers; 503 when it does not, or refuses writes. */
export const healthSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('ok'),
    database: z.literal('ok'),
    redis: z.enum(['ok', 'degraded']).optional().describe('only when Redis is configured; `degraded` keeps a 200'),
  }),
  z.strictObject({
    status: z.literal('unavailable'),
    database: z.enum(['unavailable', 'disk_full', 'read_only']),
    redis: z.enum(['ok', 'degraded']).optional(),
  }),
])

/** An API key as listed (never the key itself): the answers of `/v1/api-keys`. */
export const apiKeyInfoSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  scope: apiKeyScopeSchema,
  prefix: z.string().describe('`jnc_` and the first characters of the key'),
  createdAt: time,
  lastUsedAt: time.nullable(),
})

/** `POST /v1/api-keys`: the new key, in this one answer only, with what is listed of it. */
export const newApiKeySchema = apiKeyInfoSchema.extend({
  key: z.string().describe('the key itself (`jnc_…`): a credential, shown in this answer only'),
})

/** `POST /v1/connect-sessions`: a one-time link for the end user's browser. */
export const connectSessionAnswerSchema = z.strictObject({
  url: z.url().describe("the link to send the end user's browser to; completed at most once"),
  expiresAt: time,
})

/** `Connection`: never a token or secret (docs/http-api.md, "Connection"). */
export const connectionSchema = z
  .strictObject({
    integration: z.string(),
    provider: z.string(),
    userId: z.string(),
    status: connectionStatusSchema,
    scopes: z.array(z.string()),
    providerAccountId: z
      .string()
      .nullable()
      .describe('the account at the provider when known (Slack team, HubSpot portal, …), used to route webhooks'),
    expiresAt: time.nullable().describe('when the access token expires; null when it does not, or it is not known'),
    createdAt: time,
    updatedAt: time,
    lastRefreshedAt: time.nullable(),
    metadata: z
      .record(z.string(), z.unknown())
      .describe("what the provider said of the account (Salesforce's `instance_url`, …)"),
  })
  .describe('A connection of one end user to one integration: never a token or secret')

/** `GET /v1/connections/{integration}/{userId}/token`: a credential, for apps that call a provider with its SDK. */
export const accessTokenSchema = z.strictObject({
  accessToken: z.string().describe("the connection's access token: a credential, for the provider only"),
  tokenType: z.string().describe('as the provider names it, such as `Bearer`'),
  expiresAt: time.nullable().describe('when it expires; null when it does not, or it is not known'),
})

/** `Log`: one row of the call log (docs/http-api.md, "Log"). */
export const callLogSchema = z.strictObject({
  id: z.uuid(),
  requestId: z.string().describe("the call's `Junction-Request-Id`"),
  integration: z.string(),
  userId: z.string().nullable().describe('null for app-level calls'),
  method: z.string(),
  path: z.string().describe('the path called, query secrets redacted'),
  status: z.int().nullable().describe("the provider's status, or Junction's own; null when no answer came"),
  durationMs: ms,
  attempts: count,
  rateLimitWaitMs: ms,
  cache: z
    .enum(['hit', 'revalidated', 'miss'])
    .nullable()
    .describe('how the response cache answered; null when the call did not use it'),
  error: z.string().nullable().describe('the error code, when the call failed'),
  createdAt: time,
})

const usageFigures = {
  start: time.describe("the bucket's start (a UTC hour or day); the first and last may be cut by `since` and `until`"),
  calls: count,
  errors: count.describe('calls that got no answer or a 4xx/5xx'),
  p95Ms: ms.nullable(),
  bytes: count.nullable().describe('bytes of the answers whose size is known; null when none is'),
}
const usagePeriod = {
  interval: z.enum(['hour', 'day']),
  since: time,
  until: time,
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null when there is none'),
}

/** `GET /v1/usage`: a page of buckets, per integration or per end user as `groupBy` says, with the period. */
export const usageReportSchema = z.discriminatedUnion('groupBy', [
  z.strictObject({
    groupBy: z.literal('integration'),
    ...usagePeriod,
    data: z.array(z.strictObject({ integration: z.string(), ...usageFigures })),
  }),
  z.strictObject({
    groupBy: z.literal('userId'),
    ...usagePeriod,
    data: z.array(
      z.strictObject({ userId: z.string().nullable().describe('null for app-level calls'), ...usageFigures }),
    ),
  }),
])

const windowFigures = z.strictObject({
  calls: count,
  errorRate: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('share of calls that got no answer or a 4xx/5xx; null without calls'),
  p50Ms: ms.nullable(),
  p95Ms: ms.nullable(),
  rateLimitWaits: count,
  rateLimitWaitMs: ms,
  refreshFailures: count,
  webhooks: z
    .strictObject({ received: count, refused: count })
    .describe('provider webhooks stored (by every process) and refused (by this process)'),
})

/** One integration in `GET /v1/health/integrations`. */
export const integrationHealthSchema = z.strictObject({
  integration: z.string(),
  provider: z.string(),
  circuit: z.enum(['closed', 'open', 'half_open']),
  last5m: windowFigures,
  last24h: windowFigures,
  events: z
    .strictObject({ delivered: count, failedAttempts: count, dead: count })
    .describe('events about this integration sent to `events.url` by this process since it started'),
})

export const integrationHealthListSchema = z.strictObject({ data: z.array(integrationHealthSchema) })

export const eventDeliverySchema = z.strictObject({
  status: eventStatusSchema.describe(
    '`pending` (not tried yet, or no `events.url`), `retrying`, `delivered` or `dead`',
  ),
  attempts: count,
  lastAttemptAt: time.nullable(),
  nextAttemptAt: time.nullable().describe('when the next attempt is due; null once delivered or dead'),
  deliveredAt: time.nullable(),
  lastError: z.string().nullable(),
})

/** The data of a `webhook.received` event. */
export const webhookReceivedSchema = z.strictObject({
  integration: z.string(),
  provider: z.string(),
  providerEventId: z.string().nullable(),
  providerAccountId: z.string().nullable(),
  userIds: z.array(z.string()).describe('the end users whose connections have the account the payload names'),
  receivedAt: time,
  body: z.string().describe("the provider's raw body, as a string"),
})

export const connectionEventTypes = [
  'connection.created',
  'connection.deleted',
  'connection.needs_reauth',
  'connection.refresh_failed',
  'connection.recovered',
] as const

const eventFields = { id: z.uuid(), createdAt: time, delivery: eventDeliverySchema }

/** `Event`: an event with its delivery state; `data` is a `Connection` or the webhook, as `type` says. */
export const eventSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.enum(connectionEventTypes), ...eventFields, data: connectionSchema }),
    z.strictObject({ type: z.literal('webhook.received'), ...eventFields, data: webhookReceivedSchema }),
  ])
  .describe(
    'An event with its delivery state: `data` is a `Connection` (`connection.*`) or the webhook (`webhook.received`)',
  )

/** `POST /v1/events/redeliver`: how many events were made due again. */
export const redeliveryCountSchema = z.strictObject({ count })
