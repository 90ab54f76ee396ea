/** @module Call logs: the list (filtered by integration, user and status, newest first) and one call's detail. */
import { Hono } from 'hono'
import type { CallLog } from '../../logs/call-log-view.js'
import { parseStatusFilter } from '../../storage/status-filter.js'
import { formatTime, IntegrationUserFilters } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, queryField } from './form-input.js'
import { Layout } from './layout.js'

const pageSize = 50

export function logPages(deps: DashboardDeps, guards: DashboardGuards, { base }: DashboardContext): Hono<DashboardEnv> {
  return new Hono<DashboardEnv>()
    .get('/logs', guards.page, async (c) => {
      const filter = {
        integration: queryField(c, 'integration'),
        userId: queryField(c, 'userId'),
        status: queryField(c, 'status'),
      }
      const cursor = queryField(c, 'cursor')
      const listed = await attempt(() =>
        deps.logs.list({
          limit: pageSize,
          integration: filter.integration,
          userId: filter.userId,
          status: filter.status === undefined ? undefined : parseStatusFilter(filter.status),
          cursor,
        }),
      )
      const nextQuery = new URLSearchParams()
      for (const [name, value] of Object.entries(filter)) if (value !== undefined) nextQuery.set(name, value)
      if (listed.ok && listed.value.nextCursor !== null) nextQuery.set('cursor', listed.value.nextCursor)
      return c.html(
        <Layout
          frame={{ base, csrfToken: c.get('session').csrfToken }}
          title="Call logs"
          section="logs"
          notice={listed.ok ? undefined : { kind: 'error', text: listed.message }}
        >
          <form method="get" action={`${base}/logs`} class="filters">
            <IntegrationUserFilters
              integrations={deps.integrations.keys()}
              integration={filter.integration}
              userId={filter.userId}
            />
            <label>
              Status (429, 5xx, error)
              <input name="status" value={filter.status ?? ''} />
            </label>
            <button type="submit" class="secondary">
              Filter
            </button>
          </form>
          {listed.ok ? <LogTable logs={listed.value.data} base={base} /> : null}
          {listed.ok && listed.value.nextCursor !== null ? (
            <p class="pager">
              <a href={`${base}/logs?${nextQuery}`}>Older calls</a>
            </p>
          ) : null}
        </Layout>,
      )
    })
    .get('/logs/:id', guards.page, async (c) => {
      const log = await deps.logs.get(c.req.param('id'))
      if (log === undefined) return c.notFound()
      return c.html(
        <Layout frame={{ base, csrfToken: c.get('session').csrfToken }} title="Call" section="logs">
          <section class="card">
            <dl class="facts">
              <dt>When</dt>
              <dd>{formatTime(log.createdAt)}</dd>
              <dt>Integration</dt>
              <dd>{log.integration}</dd>
              <dt>User</dt>
              <dd>{log.userId ?? '– (app-level)'}</dd>
              <dt>Request</dt>
              <dd>
                <code>
                  {log.method} {log.path}
                </code>
              </dd>
              <dt>Status</dt>
              <dd class={statusClass(log)}>{log.status ?? 'no answer'}</dd>
              <dt>Error</dt>
              <dd>{log.error ?? '–'}</dd>
              <dt>Attempts</dt>
              <dd>{log.attempts}</dd>
              <dt>Total time</dt>
              <dd>{log.durationMs} ms</dd>
              <dt>Waited for the rate limit</dt>
              <dd>{log.rateLimitWaitMs} ms</dd>
              <dt>Time at the provider and in retries</dt>
              <dd>{Math.max(0, log.durationMs - log.rateLimitWaitMs)} ms</dd>
              <dt>Request id</dt>
              <dd>
                <code>{log.requestId}</code>
              </dd>
            </dl>
          </section>
          <p>
            <a href={`${base}/logs`}>All calls</a>
          </p>
        </Layout>,
      )
    })
}

const statusClass = (log: CallLog) => (log.status !== null && log.status < 400 ? 'status-ok' : 'status-error')

function LogTable(props: { logs: readonly CallLog[]; base: string }) {
  if (props.logs.length === 0) return <p class="muted">No call matches yet.</p>
  return (
    <div class="scroll">
      <table class="logs cards">
        <thead>
          <tr>
            <th>When</th>
            <th>Status</th>
            <th>Call</th>
            <th>Time</th>
            <th>Integration</th>
            <th>User</th>
            <th>Attempts</th>
          </tr>
        </thead>
        <tbody>
          {props.logs.map((log) => (
            <tr>
              <td data-label="When">
                <a href={`${props.base}/logs/${log.id}`}>{formatTime(log.createdAt)}</a>
              </td>
              <td data-label="Status" class={statusClass(log)}>
                {log.status ?? log.error ?? 'no answer'}
              </td>
              <td data-label="Call" class="wrap">
                <code>
                  {log.method} {log.path}
                </code>
              </td>
              <td data-label="Time">{log.durationMs} ms</td>
              <td data-label="Integration">{log.integration}</td>
              <td data-label="User">{log.userId ?? '–'}</td>
              <td data-label="Attempts">{log.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
