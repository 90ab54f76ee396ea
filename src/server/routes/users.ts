/** @module `DELETE /v1/users/:userId`: erase one end user (docs/http-api.md, "Users"). */
import { Hono } from 'hono'
import type { UserErasure } from '../../connections/user-erasure.js'

export function userRoutes(users: UserErasure): Hono {
  return new Hono().delete('/:userId', async (c) => {
    await users.erase(c.req.param('userId'))
    return c.body(null, 204)
  })
}
