/**
 * @module Integrations: the overview at `/` (each integration with its last-day figures, and where to start), and one
 * integration's page (its configuration, health, charts over time, and "Try a request").
 */
import { Hono } from 'hono'
import { isAppLevel } from '../../connections/app-credentials.js'
import { type SeriesRange, seriesRanges } from '../../logs/call-series.js'
import type { IntegrationHealthReport, WindowFigures } from '../../logs/integration-health.js'
import type { ResolvedIntegration } from '../../providers/resolve-integration.js'
import { CallsChart, LatencyChart } from './charts.js'
import type { DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, queryField } from './form-input.js'
import { Csrf, Layout, type PageFrame } from './layout.js'
import { type TryRequestInput, type TryRequestResult, tryMethods, tryRequest } from './try-request.js'

export function integrationPages(deps: DashboardDeps, guards: DashboardGuards, base: string): Hono<DashboardEnv> {
  const frameOf = (csrfToken: string): PageFrame => ({ base, csrfToken })

  async function integrationPage(
    id: string,
    range: SeriesRange,
    frame: PageFrame,
    tried?: { input: TryRequestInput; outcome: { ok: true; value: TryRequestResult } | { ok: false; message: string } },
  ) {
    const integration = deps.integrations.get(id)
    if (integration === undefined) return undefined
    const [report, buckets] = await Promise.all([
      deps.health.report().then((all) => all.find((entry) => entry.integration === id)),
      deps.series.of(id, range),
    ])
    return (
      <Layout frame={frame} title={nameOf(integration)} section="integrations">
        <div class="grid">
          <section class="card">
            <h2>Configuration</h2>
            <ConfigurationFacts integration={integration} />
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
                <a href={`${base}/integrations/${id}?range=${key}`}>{seriesRanges[key].label} </a>
              ),
            )}
          </p>
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
        </section>
        <section class="card" id="try">
          <h2>Try a request</h2>
          <TryForm integration={integration} frame={frame} input={tried?.input} />
          {tried === undefined ? null : <TryOutcome outcome={tried.outcome} base={base} />}
        </section>
      </Layout>
    )
  }

  return new Hono<DashboardEnv>()
    .get('/', guards.page, async (c) => {
      const reports = new Map((await deps.health.report()).map((report) => [report.integration, report]))
      const sandboxConnected =
        deps.integrations.has('sandbox') &&
        (await deps.connections.list({ integration: 'sandbox', limit: 1 })).data.length > 0
      // Until the sandbox has been called, the page says how to start.
      const newcomer = deps.integrations.has('sandbox') && (reports.get('sandbox')?.last24h.calls ?? 0) === 0
      return c.html(
        <Layout frame={frameOf(c.get('session').csrfToken)} title="Integrations" section="integrations">
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
              <table>
                <thead>
                  <tr>
                    <th>Integration</th>
                    <th>Provider</th>
                    <th>Auth</th>
                    <th>Calls (24 h)</th>
                    <th>Errors</th>
                    <th>p95</th>
                    <th>Circuit</th>
                  </tr>
                </thead>
                <tbody>
                  {[...deps.integrations.values()].map((integration) => {
                    const figures = reports.get(integration.id)
                    return (
                      <tr>
                        <td>
                          <a href={`${base}/integrations/${integration.id}`}>{integration.id}</a>
                        </td>
                        <td>{nameOf(integration)}</td>
                        <td>{authOf(integration)}</td>
                        <td>{figures?.last24h.calls ?? 0}</td>
                        <td>{percent(figures?.last24h.errorRate ?? null)}</td>
                        <td>{milliseconds(figures?.last24h.p95Ms ?? null)}</td>
                        <td>{figures?.circuit ?? 'closed'}</td>
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
      const page = await integrationPage(
        c.req.param('id'),
        rangeOf(queryField(c, 'range')),
        frameOf(c.get('session').csrfToken),
      )
      return page === undefined ? c.notFound() : c.html(page)
    })
    .post('/integrations/:id/try', guards.page, guards.action, async (c) => {
      const id = c.req.param('id')
      const field = await formFields(c)
      const input: TryRequestInput = {
        integration: id,
        userId: field('userId'),
        method: field('method') ?? 'GET',
        target: field('path') ?? '/',
        body: field('body'),
      }
      const outcome = await attempt(() => tryRequest(deps.fetch, input))
      // The page shows the call in its figures and chart: its log row is written first (or stays queued, if the
      // database is not answering).
      await deps.flushCallLog().catch(() => undefined)
      const page = await integrationPage(id, '1h', frameOf(c.get('session').csrfToken), { input, outcome })
      return page === undefined ? c.notFound() : c.html(page)
    })
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

function ConfigurationFacts(props: { integration: ResolvedIntegration }) {
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
      <dt>Webhooks</dt>
      <dd>{definition.webhooks?.scheme ?? 'none'}</dd>
    </dl>
  )
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
    <div class="scroll">
      <table>
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
    </div>
  )
}

function TryForm(props: { integration: ResolvedIntegration; frame: PageFrame; input: TryRequestInput | undefined }) {
  const { integration, frame, input } = props
  const sandbox = integration.provider === 'sandbox'
  return (
    <form method="post" action={`${frame.base}/integrations/${integration.id}/try#try`} class="stack">
      <Csrf token={frame.csrfToken} />
      <p class="muted">
        Sent through the proxy exactly as <code>/v1/proxy/{integration.id}</code> would: with the connection's
        credentials, its rate limit and retries, and a call-log entry.
      </p>
      {isAppLevel(integration) ? null : (
        <>
          <label for="try-user">End user id (the connection to use)</label>
          <input id="try-user" name="userId" value={input?.userId ?? (sandbox ? 'demo-user' : '')} required />
        </>
      )}
      <label for="try-method">Method</label>
      <select id="try-method" name="method">
        {tryMethods.map((method) => (
          <option selected={method === (input?.method ?? 'GET')}>{method}</option>
        ))}
      </select>
      <label for="try-path">Path under {integration.definition.api.baseUrl}</label>
      <input id="try-path" name="path" value={input?.target ?? (sandbox ? '/me' : '/')} required />
      <label for="try-body">Body (JSON, for POST, PUT and PATCH)</label>
      <textarea id="try-body" name="body">
        {input?.body ?? ''}
      </textarea>
      <button type="submit">Send</button>
    </form>
  )
}

function TryOutcome(props: {
  outcome: { ok: true; value: TryRequestResult } | { ok: false; message: string }
  base: string
}) {
  if (!props.outcome.ok) return <p class="notice error">{props.outcome.message}</p>
  const result = props.outcome.value
  const ok = result.status < 400
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
        <a href={`${props.base}/logs`}>See it in the call logs</a>
      </p>
    </div>
  )
}
