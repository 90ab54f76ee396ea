/** @module `GET /v1/health/integrations` (CONTRACT.md §3). */
import { Hono } from 'hono'
import type { IntegrationHealth } from '../../logs/integration-health.js'
import { readListQuery } from '../request-input.js'

export function integrationHealthRoutes(health: IntegrationHealth): Hono {
  return new Hono().get('/', async (c) => {
    readListQuery(c, {})
    return c.json({ data: await health.report() })
  })
}
