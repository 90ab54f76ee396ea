/** @module `GET /openapi.json` (no auth; docs/http-api.md, "OpenAPI description"). */
import { Hono } from 'hono'
import { openApiDocument } from '../openapi.js'

export function openApiRoutes(): Hono {
  // Built once: the description does not change while the process runs.
  const document = JSON.stringify(openApiDocument())
  return new Hono().get('/', (c) => c.body(document, 200, { 'content-type': 'application/json; charset=utf-8' }))
}
