/** @module `/v1/connections`: import, list, read, token, refresh, delete (CONTRACT.md §3). */
import { Hono } from 'hono'
import { z } from 'zod'
import type { ConnectionService } from '../../connections/connections.js'
import { readJsonBody, readListQuery } from '../request-input.js'

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

const importSchema = z.strictObject({
  integration: z.string().min(1).max(64),
  userId: z.string().min(1).max(255),
  credentials: credentialsSchema,
})

const statusFilter = z.enum(['active', 'needs_reauth', 'refresh_failing', 'revoked'])

export function connectionRoutes(connections: ConnectionService): Hono {
  return new Hono()
    .post('/', async (c) => {
      const body = await readJsonBody(c, importSchema)
      const { connection, replaced } = await connections.import(body)
      return c.json(connection, replaced ? 200 : 201)
    })
    .get('/', async (c) => {
      const query = readListQuery(c, {
        integration: z.string().max(64).optional(),
        userId: z.string().max(255).optional(),
        status: statusFilter.optional(),
      })
      const status = query.status as z.infer<typeof statusFilter> | undefined
      return c.json(
        await connections.list({
          limit: query.limit,
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          ...(query.integration === undefined ? {} : { integration: query.integration }),
          ...(query.userId === undefined ? {} : { userId: query.userId }),
          ...(status === undefined ? {} : { status }),
        }),
      )
    })
    .get('/:integration/:userId', async (c) =>
      c.json(await connections.get(c.req.param('integration'), c.req.param('userId'))),
    )
    .get('/:integration/:userId/token', async (c) => {
      c.header('cache-control', 'no-store')
      return c.json(await connections.token(c.req.param('integration'), c.req.param('userId')))
    })
    .post('/:integration/:userId/refresh', async (c) =>
      c.json(await connections.refresh(c.req.param('integration'), c.req.param('userId'))),
    )
    .delete('/:integration/:userId', async (c) => {
      await connections.delete(c.req.param('integration'), c.req.param('userId'))
      return c.body(null, 204)
    })
}
