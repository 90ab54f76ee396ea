/** @module `/v1/api-keys`: create (the key is in this one answer only), list, revoke. */
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKeys } from '../../api-keys/api-keys.js'
import { readJsonBody, readPaging } from '../request-input.js'

const createSchema = z.strictObject({ name: z.string().min(1).max(100) })

export function apiKeyRoutes(apiKeys: ApiKeys): Hono {
  return new Hono()
    .post('/', async (c) => {
      const { name } = await readJsonBody(c, createSchema)
      const { key, info } = await apiKeys.create(name)
      c.header('cache-control', 'no-store')
      return c.json({ ...info, key }, 201)
    })
    .get('/', async (c) => c.json(await apiKeys.list(readPaging(c))))
    .delete('/:id', async (c) => {
      await apiKeys.revoke(c.req.param('id'))
      return c.body(null, 204)
    })
}
