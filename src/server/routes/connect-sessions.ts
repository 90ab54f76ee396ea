/** @module `POST /v1/connect-sessions`: a one-time link for an end user's browser. */
import { Hono } from 'hono'
import type { ConnectFlow } from '../../connections/connect-flow.js'
import { connectSessionSchema } from '../api-schemas.js'
import { readJsonBody } from '../request-input.js'

export function connectSessionRoutes(flow: ConnectFlow): Hono {
  return new Hono().post('/', async (c) => {
    const input = await readJsonBody(c, connectSessionSchema)
    c.header('cache-control', 'no-store')
    return c.json(await flow.createSession(input), 201)
  })
}
