/** @module `/v1/api-keys`: create with a scope (the key is in this one answer only), list, revoke (admin keys only). */
import { Hono } from 'hono'
import type { ApiKeys } from '../../api-keys/api-keys.js'
import { apiKeyCreateSchema } from '../api-schemas.js'
import { readJsonBody, readPaging } from '../request-input.js'

export function apiKeyRoutes(apiKeys: ApiKeys): Hono {
  return new Hono()
    .post('/', async (c) => {
      const { name, scope } = await readJsonBody(c, apiKeyCreateSchema)
      const { key, info } = await apiKeys.create(name, scope)
      c.header('cache-control', 'no-store')
      return c.json({ ...info, key }, 201)
    })
    .get('/', async (c) => c.json(await apiKeys.list(readPaging(c))))
    .delete('/:id', async (c) => {
      await apiKeys.revoke(c.req.param('id'))
      return c.body(null, 204)
    })
}
