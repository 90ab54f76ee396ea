/** @module `GET /metrics`: Prometheus text format (docs/http-api.md, "Metrics"; needs an API key like `/v1`). */
import { Hono } from 'hono'

export function metricsRoutes(metrics: { render(): string }): Hono {
  return new Hono().get('/', (c) =>
    c.body(metrics.render(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    }),
  )
}
