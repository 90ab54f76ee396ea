/** @module `POST /v1/connect-sessions`: a one-time link for an end user's browser. */
import { Hono } from 'hono'
import { z } from 'zod'
import type { ConnectFlow } from '../../oauth/connect-flow.js'
import { readJsonBody } from '../request-input.js'

const sessionSchema = z.strictObject({
  integration: z.string().min(1).max(64),
  userId: z.string().min(1).max(255),
  returnUrl: z.string().max(2_000).optional(),
})

export function connectSessionRoutes(flow: ConnectFlow): Hono {
  return new Hono().post('/', async (c) => {
    const input = await readJsonBody(c, sessionSchema)
    c.header('cache-control', 'no-store')
    return c.json(await flow.createSession(input), 201)
  })
}
