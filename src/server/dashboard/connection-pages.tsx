/**
 * @module Connections: the list (filtered by integration, user and status), a connect link opened in this browser
 * for a new one, and refresh and delete on each.
 */
import { type Context, Hono } from 'hono'
import { isAppLevel } from '../../connections/app-credentials.js'
import type { Connection, ConnectionStatus } from '../../connections/connection-view.js'
import { dashboardConnectionsPath } from '../../core/dashboard-paths.js'
import { ActionButton, IntegrationUserFilters, shortTime } from './controls.js'
import type { DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, queryField } from './form-input.js'
import { Csrf, Layout, type PageFrame } from './layout.js'

const statuses: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'refresh_failing', 'revoked']
const pageSize = 50

const connectionsPagePath = dashboardConnectionsPath

export function connectionPages(deps: DashboardDeps, guards: DashboardGuards, base: string): Hono<DashboardEnv> {
  const userLevel = [...deps.integrations.values()].filter((integration) => !isAppLevel(integration))
  const listUrl = (notice: string) => `${base}${connectionsPagePath}?done=${notice}`

  async function listPage(c: Context<DashboardEnv>, error?: string) {
    const frame: PageFrame = { base, csrfToken: c.get('session').csrfToken }
    const filter = {
      integration: queryField(c, 'integration'),
      userId: queryField(c, 'userId'),
      status: statuses.find((status) => status === queryField(c, 'status')),
      cursor: queryField(c, 'cursor'),
    }
    const listed = await attempt(() => deps.connections.list({ limit: pageSize, ...filter }))
    const notice =
      error !== undefined
        ? { kind: 'error' as const, text: error }
        : listed.ok
          ? noticeOf(c.req.query('done'), c.req.query('status'), c.req.query('integration'), c.req.query('error'))
          : { kind: 'error' as const, text: listed.message }
    const next = listed.ok ? listed.value.nextCursor : null
    const nextQuery = new URLSearchParams()
    for (const [name, value] of Object.entries(filter))
      if (value !== undefined && name !== 'cursor') nextQuery.set(name, value)
    if (next !== null) nextQuery.set('cursor', next)
    return (
      <Layout frame={frame} title="Connections" section="connections" notice={notice}>
        <form method="get" action={`${base}${connectionsPagePath}`} class="filters">
          <IntegrationUserFilters
            integrations={deps.integrations.keys()}
            integration={filter.integration}
            userId={filter.userId}
          />
          <label>
            Status
            <select name="status">
              <option value="">any</option>
              {statuses.map((status) => (
                <option selected={status === filter.status}>{status}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
        {listed.ok ? (
          <ConnectionTable connections={listed.value.data} frame={frame} integrations={deps.integrations} />
        ) : null}
        {next === null ? null : (
          <p class="pager">
            <a href={`${base}${connectionsPagePath}?${nextQuery}`}>Next page</a>
          </p>
        )}
        <section class="card" id="connect">
          <h2>Connect an account</h2>
          {userLevel.length === 0 ? (
            <p class="muted">No integration takes end-user connections.</p>
          ) : (
            <form method="post" action={`${base}${connectionsPagePath}/connect`} class="stack">
              <Csrf token={frame.csrfToken} />
              <p class="muted">
                Opens the same connect link your app would give an end user, in this browser. You come back here when it
                is done.
              </p>
              <label for="connect-integration">Integration</label>
              <select id="connect-integration" name="integration">
                {userLevel.map((integration) => (
                  <option selected={integration.id === (filter.integration ?? 'sandbox')}>{integration.id}</option>
                ))}
              </select>
              <label for="connect-user">End user id</label>
              <input id="connect-user" name="userId" value="demo-user" required />
              <button type="submit">Connect</button>
            </form>
          )}
        </section>
      </Layout>
    )
  }

  return new Hono<DashboardEnv>()
    .get(connectionsPagePath, guards.page, async (c) => c.html(await listPage(c)))
    .post(`${connectionsPagePath}/connect`, guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const created = await attempt(() =>
        deps.connectFlow.createSession({
          integration: field('integration') ?? '',
          userId: field('userId') ?? '',
          returnUrl: `${deps.publicUrl}${connectionsPagePath}`,
        }),
      )
      if (created.ok) return c.redirect(created.value.url, 303)
      return c.html(await listPage(c, created.message), 400)
    })
    .post(`${connectionsPagePath}/refresh`, guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const refreshed = await attempt(() => deps.connections.refresh(field('integration') ?? '', field('userId') ?? ''))
      if (refreshed.ok) return c.redirect(listUrl('refreshed'), 303)
      return c.html(await listPage(c, refreshed.message), 400)
    })
    .post(`${connectionsPagePath}/delete`, guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const deleted = await attempt(() => deps.connections.delete(field('integration') ?? '', field('userId') ?? ''))
      if (deleted.ok) return c.redirect(listUrl('deleted'), 303)
      return c.html(await listPage(c, deleted.message), 400)
    })
}

function noticeOf(
  done: string | undefined,
  status: string | undefined,
  integration: string | undefined,
  error: string | undefined,
): { kind: 'ok' | 'error'; text: string } | undefined {
  if (done === 'refreshed') return { kind: 'ok', text: 'Refreshed.' }
  if (done === 'deleted') return { kind: 'ok', text: 'Deleted: revoked at the provider where it can be.' }
  // The connect flow's outcome comes back in the query: only shapes it can have are shown, so that a crafted link
  // cannot put words on this page.
  const named = (text: string | undefined, pattern: RegExp) =>
    text !== undefined && pattern.test(text) ? text : undefined
  if (status === 'success')
    return { kind: 'ok', text: `Connected to ${named(integration, /^[a-z][a-z0-9_-]{0,63}$/) ?? 'the integration'}.` }
  if (status === 'error')
    return { kind: 'error', text: `The connection failed (${named(error, /^[a-z_]{1,64}$/) ?? 'unknown error'}).` }
  return undefined
}

function ConnectionTable(props: {
  connections: readonly Connection[]
  frame: PageFrame
  integrations: DashboardDeps['integrations']
}) {
  const { frame } = props
  if (props.connections.length === 0) return <p class="muted">No connection matches.</p>
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th>Integration</th>
            <th>User</th>
            <th>Status</th>
            <th>Account</th>
            <th>Expires</th>
            <th>Refreshed</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.connections.map((connection) => {
            const at = `${frame.base}${connectionsPagePath}`
            const which = { integration: connection.integration, userId: connection.userId }
            return (
              <tr>
                <td>{connection.integration}</td>
                <td>{connection.userId}</td>
                <td>{connection.status}</td>
                <td>{connection.providerAccountId ?? '–'}</td>
                <td>{shortTime(connection.expiresAt)}</td>
                <td>{shortTime(connection.lastRefreshedAt)}</td>
                <td>
                  {/* Only a token can be refreshed: API keys and passwords have nothing to refresh. */}
                  {props.integrations.get(connection.integration)?.definition.auth.type === 'oauth2' ? (
                    <>
                      <ActionButton
                        action={`${at}/refresh`}
                        csrfToken={frame.csrfToken}
                        label="Refresh"
                        kind="secondary"
                        fields={which}
                      />{' '}
                    </>
                  ) : null}
                  <ActionButton
                    action={`${at}/delete`}
                    csrfToken={frame.csrfToken}
                    label="Delete"
                    kind="danger"
                    fields={which}
                  />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
