/**
 * @module Connections: the list (filtered by integration, user and status), a connect link opened in this browser
 * for a new one, and refresh and delete (after a confirmation step) on each.
 */
import { type Context, Hono } from 'hono'
import { isAppLevel } from '../../connections/app-credentials.js'
import type { Connection, ConnectionStatus } from '../../connections/connection-view.js'
import { dashboardConnectionsPath } from '../../core/dashboard-paths.js'
import { ActionButton, ConfirmAction, formatTime, IntegrationUserFilters } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, noticeOf, queryField, redirectShowing, shownRecord } from './form-input.js'
import { Csrf, Layout, type Notice, type PageFrame } from './layout.js'

const statuses: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'refresh_failing', 'revoked']
const pageSize = 50

const connectionsPagePath = dashboardConnectionsPath

export function connectionPages(
  deps: DashboardDeps,
  guards: DashboardGuards,
  { base, records }: DashboardContext,
): Hono<DashboardEnv> {
  const userLevel = [...deps.integrations.values()].filter((integration) => !isAppLevel(integration))
  const listPath = `${base}${connectionsPagePath}`
  const showing = (kind: Notice['kind'], text: string) => ({ kind: 'notice' as const, notice: { kind, text } })

  async function listPage(c: Context<DashboardEnv>) {
    const frame: PageFrame = { base, csrfToken: c.get('session').csrfToken }
    const filter = {
      integration: queryField(c, 'integration'),
      userId: queryField(c, 'userId'),
      status: statuses.find((status) => status === queryField(c, 'status')),
      cursor: queryField(c, 'cursor'),
    }
    const listed = await attempt(() => deps.connections.list({ limit: pageSize, ...filter }))
    const notice = !listed.ok
      ? { kind: 'error' as const, text: listed.message }
      : (noticeOf(c, await shownRecord(c, records)) ??
        connectOutcome(c.req.query('status'), c.req.query('integration'), c.req.query('error')))
    const next = listed.ok ? listed.value.nextCursor : null
    const nextQuery = new URLSearchParams()
    for (const [name, value] of Object.entries(filter))
      if (value !== undefined && name !== 'cursor') nextQuery.set(name, value)
    if (next !== null) nextQuery.set('cursor', next)
    return (
      <Layout
        frame={frame}
        title="Connections"
        section="connections"
        notice={notice}
        times={listed.ok && listed.value.data.some((row) => row.expiresAt !== null || row.lastRefreshedAt !== null)}
      >
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
              <input id="connect-user" name="userId" value="u_1" required />
              <button type="submit">Connect</button>
            </form>
          )}
        </section>
      </Layout>
    )
  }

  return (
    new Hono<DashboardEnv>()
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
        return redirectShowing(c, records, `${listPath}#connect`, showing('error', created.message))
      })
      .post(`${connectionsPagePath}/refresh`, guards.page, guards.action, async (c) => {
        const field = await formFields(c)
        const refreshed = await attempt(() =>
          deps.connections.refresh(field('integration') ?? '', field('userId') ?? ''),
        )
        if (refreshed.ok) return redirectShowing(c, records, listPath, showing('ok', 'Refreshed.'))
        return redirectShowing(c, records, listPath, showing('error', refreshed.message))
      })
      // Deleting revokes at the provider: a page says so first, and its form does it.
      .get(`${connectionsPagePath}/delete`, guards.page, async (c) => {
        const integration = queryField(c, 'integration') ?? ''
        const userId = queryField(c, 'userId') ?? ''
        const found = await attempt(() => deps.connections.get(integration, userId))
        if (!found.ok) return c.notFound()
        const connection = found.value
        return c.html(
          <Layout
            frame={{ base, csrfToken: c.get('session').csrfToken }}
            title="Delete this connection?"
            section="connections"
          >
            <ConfirmAction
              action={`${listPath}/delete`}
              csrfToken={c.get('session').csrfToken}
              label="Delete the connection"
              cancel={listPath}
              fields={{ integration: connection.integration, userId: connection.userId }}
            >
              <p>
                The connection of <strong>{connection.userId}</strong> to <strong>{connection.integration}</strong>
                {connection.providerAccountId === null ? null : <> (account {connection.providerAccountId})</>} is
                revoked at the provider where it can be, and its credentials are forgotten. Calls made as this user fail
                until they connect again.
              </p>
            </ConfirmAction>
          </Layout>,
        )
      })
      .post(`${connectionsPagePath}/delete`, guards.page, guards.action, async (c) => {
        const field = await formFields(c)
        const deleted = await attempt(() => deps.connections.delete(field('integration') ?? '', field('userId') ?? ''))
        if (deleted.ok)
          return redirectShowing(
            c,
            records,
            listPath,
            showing('ok', 'Deleted: revoked at the provider where it can be.'),
          )
        return redirectShowing(c, records, listPath, showing('error', deleted.message))
      })
  )
}

/** The connect flow's outcome, as the callback puts it in the query of the page it returns to. */
function connectOutcome(
  status: string | undefined,
  integration: string | undefined,
  error: string | undefined,
): Notice | undefined {
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
      <table class="cards">
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
                <td data-label="Integration">{connection.integration}</td>
                <td data-label="User">{connection.userId}</td>
                <td data-label="Status">{connection.status}</td>
                <td data-label="Account">{connection.providerAccountId ?? '–'}</td>
                <td data-label="Expires">{formatTime(connection.expiresAt)}</td>
                <td data-label="Refreshed">{formatTime(connection.lastRefreshedAt)}</td>
                <td class="actions-cell">
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
                  <a class="button danger" href={`${at}/delete?${new URLSearchParams(which)}`}>
                    Delete
                  </a>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
