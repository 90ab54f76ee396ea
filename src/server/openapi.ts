/**
 * @module `/openapi.json`: the OpenAPI 3.1 description of `/v1`, generated from the schemas the routes validate with
 * (api-schemas.ts), the schemas of their answers (api-responses.ts) and the scope table the API key check uses
 * (middleware/api-key-scope.ts). Tests check that every `/v1` route the app serves is described here, that each
 * route's real answer matches the schema its operation names, and lint the document with Redocly's recommended rules.
 */
import { z } from 'zod'
import { statusForCode, type WireErrorCode } from '../core/errors.js'
import { maxPageSize } from '../storage/cursor.js'
import {
  accessTokenSchema,
  apiErrorSchema,
  apiKeyInfoSchema,
  callLogSchema,
  connectionSchema,
  connectSessionAnswerSchema,
  eventSchema,
  integrationHealthListSchema,
  integrationHealthSchema,
  newApiKeySchema,
  pageOf,
  redeliveryCountSchema,
  usageReportSchema,
} from './api-responses.js'
import {
  apiKeyCreateSchema,
  connectionFilters,
  connectionImportSchema,
  connectSessionSchema,
  eventFilters,
  eventRedeliverySchema,
  logFilters,
  usageFilters,
} from './api-schemas.js'
import { type RouteAccess, routeRules } from './middleware/api-key-scope.js'

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch'

export interface Operation {
  method: Method
  /** OpenAPI style: `{name}` for a path parameter. */
  path: string
  operationId: string
  summary: string
  body?: z.ZodType
  query?: Record<string, z.ZodType>
  paged?: boolean
  /** Extra request headers, with what they do. */
  headers?: Record<string, string>
  /** The answers that are not Junction's errors, by status (`default`: anything, the proxy's). */
  responses: Record<string, Answer>
  /** Junction's error codes this operation can answer, besides those every `/v1` call and its input can. */
  errors?: WireErrorCode[]
  /** The route of the scope table (middleware/api-key-scope.ts) when it is not `path` with `:name` parameters. */
  route?: string
}

export interface Answer {
  description: string
  /** The JSON body, one of {@link responseComponents}. */
  schema?: z.ZodType
  headers?: Record<string, string>
}

/** Every `/v1` call can answer these: no valid key, a key outside its scope, a failure, the database away. */
const everyCallErrors: WireErrorCode[] = ['unauthorized', 'forbidden', 'internal_error', 'unavailable']
const bodyErrors: WireErrorCode[] = ['invalid_json', 'invalid_request', 'payload_too_large']
/** What the proxy itself may answer (docs/http-api.md, "Proxy"); anything else is the provider's. */
const proxyErrors: WireErrorCode[] = [
  'invalid_path',
  'invalid_request',
  'missing_user_id',
  'egress_blocked',
  'integration_not_found',
  'connection_not_found',
  'connection_needs_reauth',
  'payload_too_large',
  'rate_limited',
  'network_error',
  'response_too_large',
  'refresh_failed',
  'circuit_open',
  'timeout',
]
const tokenErrors: WireErrorCode[] = [
  'invalid_request',
  'integration_not_found',
  'connection_not_found',
  'connection_needs_reauth',
  'refresh_failed',
  'network_error',
  'egress_blocked',
  'timeout',
]

const proxyHeaders = {
  'Junction-User-Id': 'the end user whose connection is used (not for app-level integrations)',
  'Junction-Timeout-Ms': 'the budget of the whole call, 1 to 300000 (default 60000)',
  'Junction-Retries': '`0` turns off retries and the refresh-and-retry',
  'Junction-Cache':
    "`on` uses the response cache for this GET even when the integration's `cache` is off, `off` neither reads nor stores; any other value is `invalid_request`",
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

const apiKeyPageSchema = pageOf(apiKeyInfoSchema)
const connectionPageSchema = pageOf(connectionSchema)
const callLogPageSchema = pageOf(callLogSchema)
const eventPageSchema = pageOf(eventSchema)

/**
 * The answers' schemas, by their names under `components.schemas`: an operation's answer refers to its schema by
 * name, and so does a schema that holds another (a page its items, an event its `Connection`).
 */
const responseComponents: Record<string, z.ZodType> = {
  Error: apiErrorSchema,
  ApiKey: apiKeyInfoSchema,
  NewApiKey: newApiKeySchema,
  ApiKeyPage: apiKeyPageSchema,
  ConnectSession: connectSessionAnswerSchema,
  Connection: connectionSchema,
  ConnectionPage: connectionPageSchema,
  AccessToken: accessTokenSchema,
  Log: callLogSchema,
  LogPage: callLogPageSchema,
  UsageReport: usageReportSchema,
  Event: eventSchema,
  EventPage: eventPageSchema,
  RedeliveryCount: redeliveryCountSchema,
  IntegrationHealth: integrationHealthSchema,
  IntegrationHealthList: integrationHealthListSchema,
}

const proxyMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const

/** Every operation of `/v1`; test/api-responses.test.ts validates each one's answers with its schemas. */
export const operations: readonly Operation[] = [
  {
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key with a scope (the key is in this answer only)',
    body: apiKeyCreateSchema,
    responses: {
      '201': { description: 'the key, with what is listed of it', schema: newApiKeySchema },
    },
  },
  {
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List active API keys with their scopes',
    paged: true,
    responses: { '200': { description: 'a page of keys', schema: apiKeyPageSchema } },
  },
  {
    method: 'delete',
    path: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    responses: { '204': { description: 'revoked' } },
    errors: ['invalid_request', 'not_found'],
  },
  {
    method: 'post',
    path: '/v1/connect-sessions',
    operationId: 'createConnectSession',
    summary: "A one-time link for an end user's browser to connect an account",
    body: connectSessionSchema,
    responses: { '201': { description: 'the link and when it expires', schema: connectSessionAnswerSchema } },
    errors: ['integration_not_found'],
  },
  {
    method: 'post',
    path: '/v1/connections',
    operationId: 'importConnection',
    summary: 'Import credentials as a connection',
    body: connectionImportSchema,
    responses: {
      '201': { description: 'created', schema: connectionSchema },
      '200': { description: 'replaced a connection', schema: connectionSchema },
    },
    errors: ['integration_not_found'],
  },
  {
    method: 'get',
    path: '/v1/connections',
    operationId: 'listConnections',
    summary: 'List connections',
    query: connectionFilters,
    paged: true,
    responses: { '200': { description: 'a page of connections', schema: connectionPageSchema } },
  },
  {
    method: 'get',
    path: '/v1/connections/{integration}/{userId}',
    operationId: 'getConnection',
    summary: 'One connection, never a token',
    responses: { '200': { description: 'the connection', schema: connectionSchema } },
    errors: ['invalid_request', 'connection_not_found'],
  },
  {
    method: 'get',
    path: '/v1/connections/{integration}/{userId}/token',
    operationId: 'getConnectionToken',
    summary: "The connection's access token, refreshed first when due",
    responses: { '200': { description: 'a valid access token (a credential)', schema: accessTokenSchema } },
    errors: [...tokenErrors, 'not_token_based'],
  },
  {
    method: 'post',
    path: '/v1/connections/{integration}/{userId}/refresh',
    operationId: 'refreshConnection',
    summary: 'Force a refresh',
    responses: { '200': { description: 'the connection', schema: connectionSchema } },
    errors: [...tokenErrors, 'not_token_based'],
  },
  {
    method: 'delete',
    path: '/v1/connections/{integration}/{userId}',
    operationId: 'deleteConnection',
    summary: 'Revoke at the provider and forget',
    responses: { '204': { description: 'deleted' } },
    errors: ['invalid_request', 'connection_not_found'],
  },
  {
    method: 'delete',
    path: '/v1/users/{userId}',
    operationId: 'eraseUser',
    summary: 'Erase everything of one end user',
    responses: { '204': { description: 'erased' } },
    errors: ['invalid_request'],
  },
  {
    method: 'get',
    path: '/v1/logs',
    operationId: 'listLogs',
    summary:
      'The call log, newest first (`status`: a code, a class such as `5xx`, or `error`); each `Log` has `cache`: `hit`, `revalidated`, `miss` or null',
    query: logFilters,
    paged: true,
    responses: { '200': { description: 'a page of the call log', schema: callLogPageSchema } },
  },
  {
    method: 'get',
    path: '/v1/usage',
    operationId: 'getUsage',
    summary:
      'Calls per UTC hour or day and per integration or end user, from the call log: calls, errors, p95 latency, bytes when known',
    query: usageFilters,
    paged: true,
    responses: {
      '200': {
        description:
          'a page of buckets with `groupBy`, `interval`, `since` and `until`; with `format=csv`, the whole period as text/csv instead',
        schema: usageReportSchema,
      },
    },
  },
  {
    method: 'get',
    path: '/v1/events',
    operationId: 'listEvents',
    summary: 'Every event (`connection.*`, `webhook.received`) with its delivery state, oldest first: also a feed',
    query: eventFilters,
    paged: true,
    responses: { '200': { description: 'a page of events', schema: eventPageSchema } },
  },
  {
    method: 'get',
    path: '/v1/events/{id}',
    operationId: 'getEvent',
    summary: 'One event with its delivery state',
    responses: { '200': { description: 'the event', schema: eventSchema } },
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/v1/events/{id}/redeliver',
    operationId: 'redeliverEvent',
    summary: 'Send an event again: a new attempt now, with the same id (`webhook-id`)',
    responses: { '202': { description: 'the event, due now', schema: eventSchema } },
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/v1/events/redeliver',
    operationId: 'redeliverEvents',
    summary: 'Attempt every `dead` (or `retrying`) event of a selection again now, keeping their ids',
    body: eventRedeliverySchema,
    responses: { '202': { description: 'how many events are due again', schema: redeliveryCountSchema } },
  },
  {
    method: 'get',
    path: '/v1/health/integrations',
    operationId: 'getIntegrationHealth',
    summary:
      'Per integration over 5 minutes and 24 hours: calls, error rate, latency, waits, refresh failures, webhooks, circuit; and events sent to events.url by this process (delivered, failed attempts, dead)',
    responses: { '200': { description: 'every integration, by id', schema: integrationHealthListSchema } },
  },
  // One catch-all path for every method: `{path}` is the rest of the URL, any number of segments, possibly none
  // (`/v1/proxy/slack` and `/v1/proxy/slack/chat.postMessage` are the same operation).
  ...proxyMethods.map(
    (method): Operation => ({
      method,
      path: '/v1/proxy/{integration}/{path}',
      route: '/v1/proxy/:integration/*',
      operationId: `proxy${method[0]!.toUpperCase()}${method.slice(1)}`,
      summary: `Call the provider's API at \`path\` (query kept) with the connection's credentials (${method.toUpperCase()})`,
      headers: proxyHeaders,
      responses: {
        default: {
          description: "the provider's answer (its status, headers and body)",
          headers: {
            'Junction-Request-Id': 'the id of this call in the call log',
            'Junction-Attempts': 'how many requests were sent to the provider',
            'Junction-Cache':
              'on a GET that used the response cache: `hit` (answered from it, no provider call), `revalidated` (the provider said 304) or `miss`',
          },
        },
      },
      errors: proxyErrors,
    }),
  ),
]

/** The JSON Schema of what a schema accepts (its input side), without the `$schema` line. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema
  const { $schema: _, ...rest } = z.toJSONSchema(inner, { io: 'input' }) as Record<string, unknown>
  return rest
}

const pathDescriptions: Record<string, string> = {
  path: "the provider's path: the rest of the URL, any number of `/`-separated segments (a catch-all), possibly none",
}

function parametersOf(operation: Operation): Array<Record<string, unknown>> {
  const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    ...(pathDescriptions[name!] === undefined ? {} : { description: pathDescriptions[name!] }),
    schema: { type: 'string' },
  }))
  const paging = operation.paged
    ? [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: maxPageSize, default: 50 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ]
    : []
  const query = Object.entries(operation.query ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    schema: jsonSchema(schema),
  }))
  const headers = Object.entries(operation.headers ?? {}).map(([name, description]) => ({
    name,
    in: 'header',
    description,
    schema: { type: 'string' },
  }))
  return [...inPath, ...query, ...paging, ...headers]
}

/** Which keys may call an operation, from the same table the API key check uses (unlisted: admin only). */
function accessOf(operation: Operation): RouteAccess {
  const route = operation.route ?? operation.path.replace(/\{([^}]+)\}/g, ':$1')
  const rule = routeRules.find(
    (candidate) => candidate.path === route && [operation.method.toUpperCase(), 'ALL'].includes(candidate.method),
  )
  return rule?.access ?? 'admin'
}

const accessText: Record<RouteAccess, string> = {
  admin: 'Needs an `admin` API key.',
  read: 'An `admin` or `read` API key.',
  metrics: 'An `admin` or `metrics` API key.',
}

/** The error codes an operation can answer: its own, those of its input, and those of every call. */
function errorCodesOf(operation: Operation): WireErrorCode[] {
  const input: WireErrorCode[] = operation.body !== undefined ? bodyErrors : operation.paged ? ['invalid_request'] : []
  return [...new Set([...(operation.errors ?? []), ...input, ...everyCallErrors])]
}

/** Junction's error answers, by status: the shared `Error` shape, its `code` one of those that status can carry. */
function errorResponses(operation: Operation): Record<string, unknown> {
  const byStatus = new Map<string, WireErrorCode[]>()
  for (const code of errorCodesOf(operation)) {
    const status = String(statusForCode(code))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const proxied = operation.responses.default !== undefined
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: `${proxied ? "Junction's own error (with `Junction-Error`), or the provider's answer: " : ''}${codes
          .map((code) => `\`${code}\``)
          .join(', ')}`,
        content: {
          'application/json': {
            schema: {
              allOf: [
                ref('Error'),
                {
                  type: 'object',
                  properties: { error: { type: 'object', properties: { code: { enum: codes } } } },
                },
              ],
            },
          },
        },
      },
    ]),
  )
}

function answer({ description, schema, headers }: Answer): Record<string, unknown> {
  return {
    description,
    ...(headers === undefined
      ? {}
      : {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, text]) => [name, { description: text, schema: { type: 'string' } }]),
          ),
        }),
    ...(schema === undefined ? {} : { content: { 'application/json': { schema: ref(componentName(schema)) } } }),
  }
}

/** The name of an answer's schema under `components.schemas`; every answer's schema has one. */
function componentName(schema: z.ZodType): string {
  const name = Object.entries(responseComponents).find(([, component]) => component === schema)?.[0]
  if (name === undefined) throw new Error('an answer whose schema is not one of the response components')
  return name
}

/**
 * The answers' schemas as JSON Schema (their output side), each referring to the others by `$ref`. Objects are left
 * open (no `additionalProperties: false`): a field added to an answer later must not break a client that validates
 * against this document. The test suite holds the answers to the strict form.
 */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(responseComponents)) registry.add(schema, { id })
  const { schemas } = z.toJSONSchema(registry, { io: 'output', uri: (id) => `#/components/schemas/${id}` })
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...rest }]) => [
      id,
      openObjects(rest) as Record<string, unknown>,
    ]),
  )
}

/** A JSON Schema with every `additionalProperties: false` taken out, at any depth. */
function openObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openObjects)
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, openObjects(value)]),
  )
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of operations) {
    paths[operation.path] ??= {}
    paths[operation.path]![operation.method] = {
      operationId: operation.operationId,
      summary: operation.summary,
      description: accessText[accessOf(operation)],
      parameters: parametersOf(operation),
      ...(operation.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(operation.body) } } } }),
      responses: {
        ...Object.fromEntries(Object.entries(operation.responses).map(([status, given]) => [status, answer(given)])),
        ...errorResponses(operation),
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Junction',
      version: '1',
      description:
        'The HTTP API of a Junction hub: connections, tokens, the proxy, events and call logs. Every call needs an API key (`Authorization: Bearer jnc_…`) whose scope allows it: `admin` everything, `read` only GETs under /v1, the key list and GETs through the proxy included, never a path ending in /token, `metrics` only /metrics.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the hub that serves this document.
    servers: [{ url: '/', description: 'this hub' }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a Junction API key (`jnc_…`)' } },
      schemas: componentSchemas(),
    },
    security: [{ apiKey: [] }],
    paths,
  }
}
