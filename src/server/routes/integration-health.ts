/** @module `GET /v1/health/integrations` (docs/http-api.md, "Integration health"). */
import { Hono } from 'hono'
import type { IntegrationHealth } from '../../logs/integration-health.js'

export function integrationHealthRoutes(health: IntegrationHealth): Hono {
  return new Hono().get('/', async (c) => c.json({ data: await health.report() }))
}
