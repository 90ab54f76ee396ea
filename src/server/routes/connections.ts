/** @module `/v1/connections`: import, list, read, token, refresh, delete (docs/http-api.md, "Connections"). */
import { Hono } from 'hono'
import type { z } from 'zod'
import type { ConnectionService } from '../../connections/connections.js'
import { connectionFilters, connectionImportSchema, type connectionStatusSchema } from '../api-schemas.js'
import { readJsonBody, readListQuery } from '../request-input.js'

export function connectionRoutes(connections: ConnectionService): Hono {
  return new Hono()
    .post('/', async (c) => {
      const body = await readJsonBody(c, connectionImportSchema)
      const { connection, replaced } = await connections.import(body)
      return c.json(connection, replaced ? 200 : 201)
    })
    .get('/', async (c) => {
      const query = readListQuery(c, connectionFilters)
      const status = query.status as z.infer<typeof connectionStatusSchema> | undefined
      return c.json(
        await connections.list({
          limit: query.limit,
          cursor: query.cursor,
          integration: query.integration,
          userId: query.userId,
          status,
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
