/**
 * @module Integrations: the overview at `/` (each integration with its last-day figures, and where to start), and one
 * integration's page (its configuration, health, charts over time, and "Try a request").
 */
import { Hono } from 'hono'
import type { ResolvedIntegration } from '../../config/resolve-integration.js'
import { isAppLevel } from '../../connections/app-credentials.js'
import { type SeriesRange, seriesRanges } from '../../logs/call-series.js'
import type { IntegrationHealthReport, WindowFigures } from '../../logs/integration-health.js'
import type { AlertState } from '../../storage/integration-alerts-store.js'
import { CallsChart, EmptyChart, LatencyChart } from './charts.js'
import { formatTime } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv, DashboardRecord } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, noticeOf, queryField, redirectShowing, shownRecord } from './form-input.js'
import { Csrf, Layout, type Notice, type PageFrame } from './layout.js'
import { filterQuery } from './log-filters.js'
import { type TryRequestInput, type TryRequestResult, tryMethods, tryRequest } from './try-request.js'

export function integrationPages(
  deps: DashboardDeps,
  guards: DashboardGuards,
  { base, records }: DashboardContext,
): Hono<DashboardEnv> {
  const frameOf = (csrfToken: string): PageFrame => ({ base, csrfToken })
  const integrationPath = (id: string) => `${base}/integrations/${id}`

  async function integrationPage(
    id: string,
    range: SeriesRange,
    frame: PageFrame,
    shown: DashboardRecord | undefined,
    notice: Notice | undefined,
  ) {
    const integration = deps.integrations.get(id)
    if (integration === undefined) return undefined
    const tried = shown?.kind === 'tried' && shown.input.integration === id ? shown : undefined
    const [report, buckets, users] = await Promise.all([
      deps.health.report().then((all) => all.find((entry) => entry.integration === id)),
      deps.series.of(id, range),
      isAppLevel(integration) ? Promise.resolve(undefined) : connectedUsers(deps, id),
    ])
    return (
      <Layout
        frame={frame}
        title={nameOf(integration)}
        section="integrations"
        notice={notice}
        times={buckets.some((bucket) => bucket.calls > 0)}
      >
        <div class="grid">
          <section class="card">
            <h2>Configuration</h2>
            <ConfigurationFacts integration={integration} publicUrl={deps.publicUrl} />
          </section>
          <section class="card">
            <h2>Health</h2>
            {report === undefined ? <p class="muted">No figures yet.</p> : <HealthTable report={report} />}
          </section>
        </div>
        <section class="card">
          <h2>Calls over time</h2>
          <p>
            {(Object.keys(seriesRanges) as SeriesRange[]).map((key) =>
              key === range ? (
                <strong>{seriesRanges[key].label} </strong>
              ) : (
                <a href={`${integrationPath(id)}?range=${key}`}>{seriesRanges[key].label} </a>
              ),
            )}
          </p>
          {buckets.every((bucket) => bucket.calls === 0) ? (
            <EmptyChart />
          ) : (
            <>
              <CallsChart buckets={buckets} />
              <p class="legend">
                <span class="swatch calls" />
                calls
                <span class="swatch errors" />
                failed (no answer, or a 4xx or 5xx)
              </p>
              <LatencyChart buckets={buckets} />
              <p class="legend">
                <span class="swatch latency" />
                p95 latency
              </p>
            </>
          )}
        </section>
        <section class="card" id="try">
          <h2>Try a request</h2>
          <TryForm integration={integration} frame={frame} input={tried?.input} users={users} />
          {tried === undefined ? null : <TryOutcome input={tried.input} outcome={tried.outcome} base={base} />}
        </section>
      </Layout>
    )
  }

  return new Hono<DashboardEnv>()
    .get('/', guards.page, async (c) => {
      const reports = new Map((await deps.health.report()).map((report) => [report.integration, report]))
      const alerts = (await deps.alerts?.()) ?? new Map<string, AlertState>()
      const sandboxConnected =
        deps.integrations.has('sandbox') &&
        (await deps.connections.list({ integration: 'sandbox', limit: 1 })).data.length > 0
      // Until the sandbox has been called, the page says how to start.
      const newcomer = deps.integrations.has('sandbox') && (reports.get('sandbox')?.last24h.calls ?? 0) === 0
      return c.html(
        <Layout
          frame={frameOf(c.get('session').csrfToken)}
          title="Integrations"
          section="integrations"
          // The Alert column shows a time for each integration that is not healthy.
          times={[...deps.integrations.keys()].some((id) => (alerts.get(id)?.status ?? 'healthy') !== 'healthy')}
        >
          {newcomer ? (
            <section class="card start">
              <h2>Start here: the sandbox</h2>
              <ol>
                <li>
                  <a href={`${base}/connections?integration=sandbox#connect`}>Connect the sandbox account</a>
                  {sandboxConnected ? ' (done)' : ''}
                </li>
                <li>
                  <a href={`${base}/integrations/sandbox#try`}>Try a request</a> through the proxy
                </li>
                <li>
                  Watch it in the <a href={`${base}/logs`}>call logs</a> and the sandbox's charts
                </li>
              </ol>
            </section>
          ) : null}
          {deps.integrations.size === 0 ? (
            <p class="muted">No integration is configured: add one to junction.config.json and restart.</p>
          ) : (
            <div class="scroll">
              <table class="cards">
                <thead>
                  <tr>
                    <th>Integration</th>
                    <th>Provider</th>
                    <th>Auth</th>
                    <th>Calls (24 h)</th>
                    <th>Errors</th>
                    <th>p95</th>
                    <th>Circuit</th>
                    <th>Alert</th>
                  </tr>
                </thead>
                <tbody>
                  {[...deps.integrations.values()].map((integration) => {
                    const figures = reports.get(integration.id)
                    return (
                      <tr>
                        <td data-label="Integration">
                          <a href={integrationPath(integration.id)}>{integration.id}</a>
                        </td>
                        <td data-label="Provider">{nameOf(integration)}</td>
                        <td data-label="Auth">{authOf(integration)}</td>
                        <td data-label="Calls (24 h)">{figures?.last24h.calls ?? 0}</td>
                        <td data-label="Errors">{percent(figures?.last24h.errorRate ?? null)}</td>
                        <td data-label="p95">{milliseconds(figures?.last24h.p95Ms ?? null)}</td>
                        <td data-label="Circuit">{figures?.circuit ?? 'closed'}</td>
                        <td data-label="Alert">
                          <AlertCell state={alerts.get(integration.id)} />
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Layout>,
      )
    })
    .get('/integrations/:id', guards.page, async (c) => {
      const shown = await shownRecord(c, records)
      const page = await integrationPage(
        c.req.param('id'),
        rangeOf(queryField(c, 'range')),
        frameOf(c.get('session').csrfToken),
        shown,
        noticeOf(c, shown),
      )
      return page === undefined ? c.notFound() : c.html(page)
    })
    .post('/integrations/:id/try', guards.page, guards.action, async (c) => {
      const id = c.req.param('id')
      if (!deps.integrations.has(id)) return c.notFound()
      const field = await formFields(c)
      const input: TryRequestInput = {
        integration: id,
        userId: field('userId'),
        method: field('method') ?? 'GET',
        target: field('path') ?? '/',
        // As typed, so that a message about the JSON names the line and column the user sees.
        body: field.raw('body'),
      }
      const outcome = await attempt(() => tryRequest(deps.fetch, input))
      // The page shows the call in its figures and chart: its log row is written first (or stays queued, if the
      // database is not answering).
      await deps.flushCallLog().catch(() => undefined)
      return redirectShowing(c, records, `${integrationPath(id)}#try`, { kind: 'tried', input, outcome })
    })
}

/** Most connected users offered in the "Try a request" picker; past that the field takes any id, with suggestions. */
const pickerSize = 100

/** The users with an active connection to the integration, up to one more than the picker shows. */
async function connectedUsers(deps: DashboardDeps, integration: string): Promise<string[]> {
  const page = await deps.connections.list({ integration, status: 'active', limit: pickerSize + 1 })
  return page.data.map((connection) => connection.userId)
}

function rangeOf(value: string | undefined): SeriesRange {
  return value === '24h' ? '24h' : '1h'
}

const nameOf = (integration: ResolvedIntegration) => integration.definition.displayName ?? integration.provider

function authOf(integration: ResolvedIntegration): string {
  const type = integration.definition.auth.type
  return isAppLevel(integration) ? `${type} (app-level)` : type
}

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)} %`)
const milliseconds = (ms: number | null) => (ms === null ? '–' : `${ms} ms`)

function ConfigurationFacts(props: { integration: ResolvedIntegration; publicUrl: string }) {
  const { integration } = props
  const { definition } = integration
  const limit = definition.rateLimit
  return (
    <dl class="facts">
      <dt>Id</dt>
      <dd>
        <code>{integration.id}</code>
      </dd>
      <dt>Provider</dt>
      <dd>{integration.provider}</dd>
      <dt>Auth</dt>
      <dd>{authOf(integration)}</dd>
      <dt>API base</dt>
      <dd>
        <code>{definition.api.baseUrl}</code>
      </dd>
      <dt>Scopes</dt>
      <dd>{integration.scopes.length === 0 ? '–' : integration.scopes.join(' ')}</dd>
      <dt>Rate limit</dt>
      <dd>
        {limit === undefined
          ? 'none'
          : `${limit.requestsPerSecond}/s, burst ${limit.burst ?? limit.requestsPerSecond}, per ${limit.per ?? 'connection'}`}
      </dd>
      <dt>Idempotency</dt>
      <dd>{definition.idempotency?.header ?? 'none: POST and PATCH are not retried once sent'}</dd>
      {/* Only what works: the URL to register at the provider, once a webhook secret lets the hub verify them. */}
      {definition.webhooks !== undefined && integration.webhookSecrets.length > 0 ? (
        <>
          <dt>Webhook URL</dt>
          <dd>
            <code>{`${props.publicUrl}/webhooks/${integration.id}`}</code>
          </dd>
        </>
      ) : null}
    </dl>
  )
}

/** The state the alerts last announced: degraded (since when), or healthy (docs/dashboard.md, "Integrations"). */
function AlertCell(props: { state: AlertState | undefined }) {
  const { state } = props
  if (state === undefined || state.status === 'healthy') return <span class="muted">healthy</span>
  return <strong class="error-text">degraded since {formatTime(state.changedAt)}</strong>
}

function HealthTable(props: { report: IntegrationHealthReport }) {
  const rows: Array<[string, (figures: WindowFigures) => string | number]> = [
    ['Calls', (f) => f.calls],
    ['Error rate', (f) => percent(f.errorRate)],
    ['p50', (f) => milliseconds(f.p50Ms)],
    ['p95', (f) => milliseconds(f.p95Ms)],
    ['Rate-limit waits', (f) => `${f.rateLimitWaits} (${f.rateLimitWaitMs} ms)`],
    ['Refresh failures', (f) => f.refreshFailures],
  ]
  return (
    <table class="health">
      <thead>
        <tr>
          <th />
          <th>5 min</th>
          <th>24 h</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, of]) => (
          <tr>
            <th>{label}</th>
            <td>{of(props.report.last5m)}</td>
            <td>{of(props.report.last24h)}</td>
          </tr>
        ))}
        <tr>
          <th>Circuit</th>
          <td colspan={2}>{props.report.circuit}</td>
        </tr>
      </tbody>
    </table>
  )
}

function TryForm(props: {
  integration: ResolvedIntegration
  frame: PageFrame
  input: TryRequestInput | undefined
  /** Users with an active connection; undefined for an app-level integration, which calls as nobody. */
  users: readonly string[] | undefined
}) {
  const { integration, frame, input, users } = props
  const sandbox = integration.provider === 'sandbox'
  if (users !== undefined && users.length === 0) {
    return (
      <p class="notice error no-users">
        No end user has an active connection to {integration.id} yet, so there is no one to call as.{' '}
        <a href={`${frame.base}/connections?integration=${integration.id}#connect`}>Connect an account</a> first.
      </p>
    )
  }
  return (
    <form method="post" action={`${frame.base}/integrations/${integration.id}/try`} class="stack">
      <Csrf token={frame.csrfToken} />
      <p class="muted">
        Sent through the proxy exactly as <code>/v1/proxy/{integration.id}</code> would: with the connection's
        credentials, its rate limit and retries, and a call-log entry.
      </p>
      {users === undefined ? null : <UserPicker users={users} chosen={input?.userId} />}
      <label for="try-method">Method</label>
      <select id="try-method" name="method">
        {tryMethods.map((method) => (
          <option selected={method === (input?.method ?? 'GET')}>{method}</option>
        ))}
      </select>
      <label for="try-path">Path under {integration.definition.api.baseUrl}</label>
      <input id="try-path" name="path" value={input?.target ?? (sandbox ? '/me' : '/')} required />
      <label for="try-body">Body (JSON, for POST, PUT and PATCH; checked before it is sent)</label>
      <textarea id="try-body" name="body">
        {input?.body ?? ''}
      </textarea>
      <button type="submit">Send</button>
    </form>
  )
}

/**
 * The end user to call as: a list of the users with an active connection (the first one chosen), or, when there are
 * more than the list shows, a field that suggests them and takes any id.
 */
function UserPicker(props: { users: readonly string[]; chosen: string | undefined }) {
  const { users, chosen } = props
  if (users.length <= pickerSize) {
    return (
      <>
        <label for="try-user">End user (an active connection)</label>
        <select id="try-user" name="userId" required>
          {users.map((userId) => (
            <option selected={userId === chosen}>{userId}</option>
          ))}
        </select>
      </>
    )
  }
  return (
    <>
      <label for="try-user">End user id (an active connection)</label>
      <input id="try-user" name="userId" list="try-users" value={chosen ?? users[0]} required />
      <datalist id="try-users">
        {users.slice(0, pickerSize).map((userId) => (
          <option value={userId} />
        ))}
      </datalist>
    </>
  )
}

function TryOutcome(props: {
  input: TryRequestInput
  outcome: { ok: true; value: TryRequestResult } | { ok: false; message: string }
  base: string
}) {
  if (!props.outcome.ok) return <p class="notice error">{props.outcome.message}</p>
  const result = props.outcome.value
  const ok = result.status < 400
  // The calls of this integration and end user, newest first: the one just made heads the list.
  const { integration, userId } = props.input
  const logsOfThisCall = filterQuery(userId === undefined ? { integration } : { integration, userId })
  return (
    <div class="try-result">
      <h2>
        Answer: <span class={ok ? 'status-ok' : 'status-error'}>{result.status}</span>
        {result.junctionError === null ? null : <span> ({result.junctionError}, from Junction)</span>}
      </h2>
      <dl class="facts">
        <dt>Time</dt>
        <dd>{result.durationMs} ms</dd>
        <dt>Attempts</dt>
        <dd>{result.attempts ?? '–'}</dd>
        <dt>Request id</dt>
        <dd>
          <code>{result.requestId ?? '–'}</code>
        </dd>
        <dt>Content type</dt>
        <dd>{result.contentType ?? '–'}</dd>
      </dl>
      <pre>{result.body === '' ? '(empty body)' : result.body}</pre>
      {result.truncated ? <p class="muted">Only the first 64 KiB is shown.</p> : null}
      <p>
        <a href={`${props.base}/logs${logsOfThisCall}`}>See it in the call logs</a>
      </p>
    </div>
  )
}
