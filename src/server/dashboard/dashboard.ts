/**
 * @module The dashboard at `/`: server-rendered pages, a stylesheet of our own, no script and nothing from elsewhere.
 * Every route names its guards, so nothing here touches requests outside the dashboard's own paths.
 */
import { Hono } from 'hono'
import { connectionPages } from './connection-pages.js'
import { dashboardStylesheet } from './dashboard-css.js'
import type { DashboardDeps, DashboardEnv } from './dashboard-env.js'
import { dashboardGuards } from './dashboard-security.js'
import { integrationPages } from './integration-pages.js'
import { keyPages } from './key-pages.js'
import { logPages } from './log-pages.js'
import { signInPages } from './sign-in-pages.js'

export type { DashboardDeps } from './dashboard-env.js'

export function dashboardRoutes(deps: DashboardDeps): Hono<DashboardEnv> {
  // Links are absolute paths under the public URL's own path (a hub mounted under `/junction` by the library).
  const base = new URL(deps.publicUrl).pathname.replace(/\/+$/, '')
  const guards = dashboardGuards(deps, base)
  return new Hono<DashboardEnv>()
    .get('/assets/dashboard.css', (c) => {
      c.header('cache-control', 'public, max-age=3600')
      return c.body(dashboardStylesheet, 200, { 'content-type': 'text/css; charset=utf-8' })
    })
    .route('/', signInPages(deps, guards, base))
    .route('/', integrationPages(deps, guards, base))
    .route('/', connectionPages(deps, guards, base))
    .route('/', logPages(deps, guards, base))
    .route('/', keyPages(deps, guards, base))
}
