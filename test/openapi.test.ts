/** `/openapi.json`: served without a key, generated from the route schemas, and describing every `/v1` route. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { connectionImportSchema } from '../src/server/api-schemas.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

type Document = { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> }

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
          .replace(/\/\*$/, '/{path}'),
      }))
    expect(served.length).toBeGreaterThan(10)
    const missing = served.filter(({ method, path }) => {
      const described = document.paths[path]
      if (described === undefined) return true
      // The proxy answers every method: its description lists them one by one.
      return method === 'all' ? Object.keys(described).length < 5 : described[method] === undefined
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
