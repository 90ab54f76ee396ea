/** @module `/v1/events`: the feed, one event, and redelivery (docs/http-api.md, "Events"). */
import { Hono } from 'hono'
import type { z } from 'zod'
import type { EventFeed } from '../../webhooks/event-feed.js'
import { eventFilters, eventRedeliverySchema, type eventStatusSchema } from '../api-schemas.js'
import { readJsonBody, readListQuery } from '../request-input.js'

export function eventRoutes(events: EventFeed): Hono {
  return new Hono()
    .get('/', async (c) => {
      const query = readListQuery(c, eventFilters)
      return c.json(
        await events.list({
          limit: query.limit,
          cursor: query.cursor,
          type: query.type,
          integration: query.integration,
          userId: query.userId,
          status: query.status as z.infer<typeof eventStatusSchema> | undefined,
        }),
      )
    })
    .post('/redeliver', async (c) => {
      const body = await readJsonBody(c, eventRedeliverySchema)
      const since = body.since === undefined ? undefined : new Date(body.since)
      return c.json(await events.redeliverMany({ ...body, since }), 202)
    })
    .get('/:id', async (c) => c.json(await events.get(c.req.param('id'))))
    .post('/:id/redeliver', async (c) => c.json(await events.redeliver(c.req.param('id')), 202))
}
