/**
 * @module `/openapi.json`: the OpenAPI 3.1 description of `/v1`, generated from the schemas the routes validate with
 * (api-schemas.ts). A test checks that every `/v1` route the app serves is described here.
 */
import { z } from 'zod'
import { maxPageSize } from '../storage/cursor.js'
import {
  apiKeyCreateSchema,
  connectionFilters,
  connectionImportSchema,
  connectSessionSchema,
  eventFilters,
  eventRedeliverySchema,
  logFilters,
} from './api-schemas.js'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

interface Operation {
  method: Method
  /** OpenAPI style: `{name}` for a path parameter. */
  path: string
  summary: string
  body?: z.ZodType
  query?: Record<string, z.ZodType>
  paged?: boolean
  /** Extra request headers, with what they do. */
  headers?: Record<string, string>
  responses: Record<string, string>
}

const errors = { '400': 'invalid input (`invalid_request`, …)', '401': 'no valid API key' }
const proxyHeaders = {
  'Junction-User-Id': 'the end user whose connection is used (not for app-level integrations)',
  'Junction-Timeout-Ms': 'the budget of the whole call, 1 to 300000 (default 60000)',
  'Junction-Retries': '`0` turns off retries and the refresh-and-retry',
}

const operations: Operation[] = [
  {
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key (the key is in this answer only)',
    body: apiKeyCreateSchema,
    responses: { '201': 'the key', ...errors },
  },
  {
    method: 'get',
    path: '/v1/api-keys',
    summary: 'List active API keys',
    paged: true,
    responses: { '200': 'a page of keys', ...errors },
  },
  {
    method: 'delete',
    path: '/v1/api-keys/{id}',
    summary: 'Revoke an API key',
    responses: { '204': 'revoked', '404': 'no such key', ...errors },
  },
  {
    method: 'post',
    path: '/v1/connect-sessions',
    summary: "A one-time link for an end user's browser to connect an account",
    body: connectSessionSchema,
    responses: { '201': '`{url, expiresAt}`', ...errors },
  },
  {
    method: 'post',
    path: '/v1/connections',
    summary: 'Import credentials as a connection',
    body: connectionImportSchema,
    responses: { '201': 'created', '200': 'replaced', ...errors },
  },
  {
    method: 'get',
    path: '/v1/connections',
    summary: 'List connections',
    query: connectionFilters,
    paged: true,
    responses: { '200': 'a page of `Connection`', ...errors },
  },
  {
    method: 'get',
    path: '/v1/connections/{integration}/{userId}',
    summary: 'One connection, never a token',
    responses: { '200': '`Connection`', '404': 'not found', ...errors },
  },
  {
    method: 'get',
    path: '/v1/connections/{integration}/{userId}/token',
    summary: "The connection's access token, refreshed first when due",
    responses: {
      '200': '`{accessToken, tokenType, expiresAt}`',
      '404': 'not found',
      '409': 'needs reauthorization',
      ...errors,
    },
  },
  {
    method: 'post',
    path: '/v1/connections/{integration}/{userId}/refresh',
    summary: 'Force a refresh',
    responses: { '200': '`Connection`', '404': 'not found', ...errors },
  },
  {
    method: 'delete',
    path: '/v1/connections/{integration}/{userId}',
    summary: 'Revoke at the provider and forget',
    responses: { '204': 'deleted', '404': 'not found', ...errors },
  },
  {
    method: 'delete',
    path: '/v1/users/{userId}',
    summary: 'Erase everything of one end user',
    responses: { '204': 'erased', ...errors },
  },
  {
    method: 'get',
    path: '/v1/logs',
    summary: 'The call log, newest first (`status`: a code, a class such as `5xx`, or `error`)',
    query: logFilters,
    paged: true,
    responses: { '200': 'a page of `Log`', ...errors },
  },
  {
    method: 'get',
    path: '/v1/events',
    summary: 'Every event (`connection.*`, `webhook.received`) with its delivery state, oldest first: also a feed',
    query: eventFilters,
    paged: true,
    responses: { '200': 'a page of `Event`', ...errors },
  },
  {
    method: 'get',
    path: '/v1/events/{id}',
    summary: 'One event with its delivery state',
    responses: { '200': '`Event`', '404': 'no such event (`not_found`)', ...errors },
  },
  {
    method: 'post',
    path: '/v1/events/{id}/redeliver',
    summary: 'Send an event again: a new attempt now, with the same id (`webhook-id`)',
    responses: { '202': '`Event`, due now', '404': 'no such event (`not_found`)', ...errors },
  },
  {
    method: 'post',
    path: '/v1/events/redeliver',
    summary: 'Attempt every `dead` (or `retrying`) event of a selection again now, keeping their ids',
    body: eventRedeliverySchema,
    responses: { '202': '`{count}`', ...errors },
  },
  {
    method: 'get',
    path: '/v1/health/integrations',
    summary:
      'Per integration over 5 minutes and 24 hours: calls, error rate, latency, waits, refresh failures, webhooks, circuit; and events sent to events.url by this process (delivered, failed attempts, dead)',
    responses: { '200': '`{data: [...]}`', ...errors },
  },
  ...['/v1/proxy/{integration}', '/v1/proxy/{integration}/{path}'].flatMap((path) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const).map(
      (method): Operation => ({
        method,
        path,
        summary: "Call the provider's API at `path` (query kept) with the connection's credentials",
        headers: proxyHeaders,
        responses: { default: "the provider's answer, or Junction's error with `Junction-Error`" },
      }),
    ),
  ),
]

/** The JSON Schema of what a schema accepts (its input side), without the `$schema` line. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema
  const { $schema: _, ...rest } = z.toJSONSchema(inner, { io: 'input' }) as Record<string, unknown>
  return rest
}

function parametersOf(operation: Operation): Array<Record<string, unknown>> {
  const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
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

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of operations) {
    paths[operation.path] ??= {}
    paths[operation.path]![operation.method] = {
      summary: operation.summary,
      parameters: parametersOf(operation),
      ...(operation.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(operation.body) } } } }),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, description]) => [status, { description }]),
      ),
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Junction', version: '1' },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths,
  }
}
