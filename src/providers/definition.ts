/**
 * @module The shape of a provider: plain data, validated by one schema for built-in and custom providers alike.
 * Quirks that data cannot express live as small named hooks in the provider's own file.
 */
import { z } from 'zod'

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })

const placeholder = /\{[a-z_][a-z0-9_]*\}/i

/** Whether a base URL has `{name}` placeholders, filled from each connection's metadata. */
export function hasPlaceholders(baseUrl: string): boolean {
  return placeholder.test(baseUrl)
}

/**
 * Without a list of hosts, a connection's metadata would choose where its token goes (`{instance_url}` can be any
 * URL): a templated base URL must come with `allowedHosts`.
 */
export const allowedHostsRequired = 'required when api.baseUrl has {placeholders}'

/**
 * A base URL that may hold `{name}` placeholders filled from the connection's metadata. A leading placeholder stands
 * for a whole origin (Salesforce's `{instance_url}` is `https://acme.my.salesforce.com`).
 */
const templatedUrl = z
  .string()
  .refine(
    (value) =>
      URL.canParse(
        value
          .replace(/^\{[a-z_][a-z0-9_]*\}/i, 'https://placeholder.invalid')
          .replace(/\{[a-z_][a-z0-9_]*\}/gi, 'placeholder'),
      ),
    'expected a URL',
  )

export const clientAuthSchema = z.enum(['client_secret_basic', 'client_secret_post'])

const oauth2AuthSchema = z.strictObject({
  type: z.literal('oauth2'),
  /** When set, a callback must carry a matching `iss` (RFC 9207). */
  issuer: z.string().min(1).optional(),
  authorizeUrl: httpUrl,
  tokenUrl: httpUrl,
  revokeUrl: httpUrl.optional(),
  clientAuth: clientAuthSchema.default('client_secret_basic'),
  pkce: z.boolean().default(true),
  scopeSeparator: z.string().default(' '),
  authorizeParams: z.record(z.string(), z.string()).default({}),
  /** Extra headers on token requests (GitHub answers form-encoded unless asked for JSON). */
  tokenRequestHeaders: z.record(z.string(), z.string()).default({}),
})

const clientCredentialsAuthSchema = z.strictObject({
  type: z.literal('oauth2_client_credentials'),
  tokenUrl: httpUrl,
  clientAuth: clientAuthSchema.default('client_secret_basic'),
  scopeSeparator: z.string().default(' '),
})

const apiKeyAuthSchema = z
  .strictObject({
    type: z.literal('api_key'),
    header: z.string().min(1).optional(),
    prefix: z.string().optional(),
    query: z.string().min(1).optional(),
  })
  .refine((auth) => (auth.header === undefined) !== (auth.query === undefined), {
    message: 'expected exactly one of header or query',
  })

const basicAuthSchema = z.strictObject({ type: z.literal('basic') })

export const providerAuthSchema = z.discriminatedUnion('type', [
  oauth2AuthSchema,
  clientCredentialsAuthSchema,
  apiKeyAuthSchema,
  basicAuthSchema,
])

export const rateLimitSchema = z.strictObject({
  requestsPerSecond: z.number().positive(),
  burst: z.number().int().positive().optional(),
  maxConcurrent: z.number().int().positive().optional(),
  per: z.enum(['connection', 'integration']).default('connection'),
})

/** A path under the API base URL (`/users.list`), query left out: the key of a method's own rate limit. */
const methodPath = z.string().regex(/^\/[^?#\s]*$/, 'expected a path such as /users.list')

/**
 * Limits of single API methods (Slack's tiers: `/users.list` 20 a minute, `/users.info` 100 a minute), keyed by path:
 * a call to such a method waits for its limit instead of the provider's `rateLimit` (proxy/method-rate-limits.ts).
 */
export const methodRateLimitsSchema = z.record(methodPath, rateLimitSchema)

const dottedPath = z
  .string()
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,9}$/, 'expected a dotted path such as paging.next.after')

/**
 * How a provider's lists go on from page to page (docs/library.md, "Pagination"): by a cursor that each page names in
 * its JSON body and the next request sends back (as a query parameter, or a field of a JSON request body), or by the
 * URL of the `Link` header's `rel="next"` (RFC 8288, GitHub's style).
 */
export const paginationSchema = z.discriminatedUnion('style', [
  z.strictObject({
    style: z.literal('cursor'),
    /** Where a page names the next page's cursor (Slack's `response_metadata.next_cursor`); missing or '' ends. */
    nextCursor: dottedPath,
    /** The argument that sends it back: Slack's `cursor`, HubSpot's `after`, Google's `pageToken`. */
    cursorParam: z.string().min(1),
    /** Where a page's items are, when every list of the provider has them at one place (HubSpot's `results`). */
    items: dottedPath.optional(),
  }),
  z.strictObject({
    style: z.literal('link'),
    /** Where a page's items are; without it, a page that is a JSON array is the items. */
    items: dottedPath.optional(),
  }),
])

export type Pagination = z.infer<typeof paginationSchema>

export const apiSchema = z.strictObject({
  baseUrl: templatedUrl,
  /** Host patterns (`*.my.salesforce.com`) that a filled-in `baseUrl` must match. */
  allowedHosts: z.array(z.string().min(1)).optional(),
})

export const webhookSchemeSchema = z.enum(['stripe', 'slack', 'hubspot-v3', 'github', 'standard-webhooks', 'shopify'])

export const webhooksSchema = z.strictObject({
  scheme: webhookSchemeSchema,
  /**
   * A dotted path into the JSON body naming the account at the provider (`team_id`, or `0.portalId` for the first
   * event of a batch): a webhook is linked to the connections whose `providerAccountId` it names.
   */
  accountIdPath: z
    .string()
    .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,9}$/, 'expected a dotted path such as data.account.id')
    .optional(),
})

export const providerDefinitionSchema = z
  .strictObject({
    displayName: z.string().min(1).optional(),
    auth: providerAuthSchema,
    api: apiSchema,
    rateLimit: rateLimitSchema.optional(),
    methodRateLimits: methodRateLimitsSchema.optional(),
    pagination: paginationSchema.optional(),
    /** The header a provider honours for safe retries of POST and PATCH. */
    idempotency: z.strictObject({ header: z.string().min(1) }).optional(),
    webhooks: webhooksSchema.optional(),
  })
  .superRefine((definition, context) => {
    if (hasPlaceholders(definition.api.baseUrl) && definition.api.allowedHosts === undefined)
      context.addIssue({ code: 'custom', path: ['api', 'allowedHosts'], message: allowedHostsRequired })
  })

export type ProviderDefinition = z.infer<typeof providerDefinitionSchema>
export type ProviderAuthType = ProviderDefinition['auth']['type']
