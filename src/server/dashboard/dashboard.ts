/**
 * @module The dashboard at `/`: server-rendered pages, a stylesheet of our own, no script and nothing from elsewhere.
 * Every route names its guards, so nothing here touches requests outside the dashboard's own paths.
 */
import { Hono } from 'hono'
import { connectionPages } from './connection-pages.js'
import { dashboardStylesheet, faviconSvg } from './dashboard-css.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import { dashboardGuards } from './dashboard-security.js'
import { eventPages } from './event-pages.js'
import { integrationPages } from './integration-pages.js'
import { keyPages } from './key-pages.js'
import { logPages } from './log-pages.js'
import { signInPages } from './sign-in-pages.js'
import { usagePages } from './usage-pages.js'

export type { DashboardDeps } from './dashboard-env.js'
export { type DashboardErrorPages, dashboardErrorPages } from './error-pages.js'

export function dashboardRoutes(deps: DashboardDeps): Hono<DashboardEnv> {
  const shared: DashboardContext = {
    base: dashboardBase(deps.publicUrl),
    records: deps.records,
  }
  const guards = dashboardGuards(deps, shared.base)
  return new Hono<DashboardEnv>()
    .get('/assets/dashboard.css', (c) => {
      c.header('cache-control', 'public, max-age=3600')
      return c.body(dashboardStylesheet, 200, { 'content-type': 'text/css; charset=utf-8' })
    })
    .get('/favicon.svg', (c) => {
      c.header('cache-control', 'public, max-age=86400')
      return c.body(faviconSvg, 200, { 'content-type': 'image/svg+xml' })
    })
    .route('/', signInPages(deps, guards, shared))
    .route('/', integrationPages(deps, guards, shared))
    .route('/', connectionPages(deps, guards, shared))
    .route('/', logPages(deps, guards, shared))
    .route('/', usagePages(deps, guards, shared))
    .route('/', eventPages(deps, guards, shared))
    .route('/', keyPages(deps, guards, shared))
}

/** Links are absolute paths under the public URL's own path (a hub mounted under `/junction` by the library). */
export function dashboardBase(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '')
}
