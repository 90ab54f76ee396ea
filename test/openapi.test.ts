/** `/openapi.json`: served without a key, generated from the route schemas, and describing every `/v1` route. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKeyScopes } from '../src/api-keys/key-scope.js'
import { connectionImportSchema } from '../src/server/api-schemas.js'
import { routeRules } from '../src/server/middleware/api-key-scope.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

type Operation = {
  operationId?: string
  requestBody?: unknown
  parameters?: unknown
  description?: string
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>
}
type Document = {
  openapi: string
  info: { license?: { name: string; identifier?: string } }
  servers?: Array<{ url: string }>
  components: { schemas: Record<string, Record<string, unknown>> }
  paths: Record<string, Record<string, Operation>>
}

describe('the OpenAPI description', () => {
  let h: ConnectionHarness
  let document: Document
  beforeAll(async () => {
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!)
    const response = await h.app.request('/openapi.json')
    expect(response.status).toBe(200)
    document = (await response.json()) as Document
  })
  afterAll(() => h.close())

  it('is OpenAPI 3.1 and describes every /v1 route the app serves', () => {
    expect(document.openapi).toBe('3.1.0')
    const served = h.app.routes
      .filter((route) => route.path.startsWith('/v1/') && route.path !== '/v1/*')
      .map((route) => ({
        method: route.method.toLowerCase(),
        path: route.path
          .replace(/\/$/, '')
          .replace(/:([A-Za-z]+)/g, '{$1}')
          .replace(/\/\*$/, '/{path}')
          // The proxy's two routes (with and without a path after the integration) are one catch-all operation.
          .replace(/^\/v1\/proxy\/\{integration\}$/, '/v1/proxy/{integration}/{path}'),
      }))
    expect(served.length).toBeGreaterThan(10)
    const missing = served.filter(({ method, path }) => {
      const described = document.paths[path]
      if (described === undefined) return true
      // The proxy answers every method: its description lists them one by one.
      return method === 'all' ? Object.keys(described).length < 7 : described[method] === undefined
    })
    expect(missing).toEqual([])
  })

  it('takes its request bodies from the schemas the routes validate with', () => {
    const operation = document.paths['/v1/connections']!.post as {
      requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } }
    }
    const { $schema: _, ...expected } = z.toJSONSchema(connectionImportSchema, { io: 'input' }) as Record<
      string,
      unknown
    >
    expect(operation.requestBody.content['application/json'].schema).toEqual(expected)
    const logs = document.paths['/v1/logs']!.get as { parameters: Array<{ name: string }> }
    expect(logs.parameters.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['integration', 'userId', 'status', 'since', 'limit', 'cursor']),
    )
  })
})

describe('the OpenAPI description, operation by operation', () => {
  let document: Document
  beforeAll(async () => {
    const { openApiRoutes } = await import('../src/server/routes/openapi.js')
    document = (await (await openApiRoutes().request('/')).json()) as Document
  })
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    )

  it('names every operation with its own operationId', () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expect.arrayContaining(['createApiKey', 'getConnectionToken', 'proxyGet', 'proxyPost']))
  })

  it('says where it is served, under which licence', () => {
    expect(document.servers).toEqual([{ url: '/', description: 'this hub' }])
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' })
  })

  it("leaves answers' objects open, so a field added later breaks no client that validates against it", () => {
    const closed = Object.entries(document.components.schemas)
      .filter(([, schema]) => JSON.stringify(schema).includes('"additionalProperties":false'))
      .map(([name]) => name)
    expect(Object.keys(document.components.schemas)).toContain('Connection')
    expect(closed).toEqual([])
  })

  it("answers Junction's errors with the shared Error schema, each status naming its codes", () => {
    expect(document.components.schemas.Error).toMatchObject({ required: ['error'] })
    for (const { path, method, operation } of operations()) {
      for (const status of ['401', '403', '500', '503']) {
        const schema = operation.responses[status]?.content?.['application/json']?.schema as { allOf?: unknown[] }
        expect(schema?.allOf?.[0], `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' })
      }
      const forbidden = operation.responses['403']!.content!['application/json']!.schema as {
        allOf: [unknown, { properties: { error: { properties: { code: { enum: string[] } } } } }]
      }
      expect(forbidden.allOf[1].properties.error.properties.code.enum).toContain('forbidden')
    }
    const token = document.paths['/v1/connections/{integration}/{userId}/token']!.get!
    const tokenCodes = (status: string) =>
      (
        token.responses[status]!.content!['application/json']!.schema as {
          allOf: [unknown, { properties: { error: { properties: { code: { enum: string[] } } } } }]
        }
      ).allOf[1].properties.error.properties.code.enum
    expect(tokenCodes('400')).toEqual(expect.arrayContaining(['not_token_based']))
    expect(tokenCodes('409')).toEqual(['connection_needs_reauth'])
  })

  it('describes the proxy as one catch-all path taking every method', () => {
    const proxyPaths = Object.keys(document.paths).filter((path) => path.startsWith('/v1/proxy/'))
    expect(proxyPaths).toEqual(['/v1/proxy/{integration}/{path}'])
    expect(Object.keys(document.paths[proxyPaths[0]!]!).sort()).toEqual(
      ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'].sort(),
    )
  })

  it("takes API keys' scopes from the same table as the key check", () => {
    const create = document.paths['/v1/api-keys']!.post! as {
      requestBody: { content: { 'application/json': { schema: { properties: { scope: { enum: string[] } } } } } }
    }
    expect(create.requestBody.content['application/json'].schema.properties.scope.enum).toEqual([...apiKeyScopes])
    expect(document.components.schemas.ApiKey).toMatchObject({ properties: { scope: { enum: [...apiKeyScopes] } } })
    for (const { path, method, operation } of operations()) {
      const route = path.replace(/\{([^}]+)\}/g, ':$1').replace('/:path', '/*')
      const rule = routeRules.find(
        (candidate) => candidate.path === route && [method.toUpperCase(), 'ALL'].includes(candidate.method),
      )
      expect(rule, `${method} ${path}`).toBeDefined()
      expect(operation.description, `${method} ${path}`).toBe(
        rule!.access === 'read' ? 'An `admin` or `read` API key.' : 'Needs an `admin` API key.',
      )
    }
  })
})
