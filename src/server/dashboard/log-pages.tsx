/**
 * @module Call logs: the list (filtered by time, status, integration, user and path, newest first, with the filter in
 * the query string), one call's detail (headers, error body and attempts of a failed or retried call), and the
 * export of the filtered rows as CSV or NDJSON.
 */
import { type Context, Hono } from 'hono'
import type { CallLog, CallLogDetail } from '../../logs/call-log-view.js'
import type { CallAttempt, LoggedBody } from '../../storage/api-logs-store.js'
import { formatTime } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, queryField } from './form-input.js'
import { Layout } from './layout.js'
import { type ExportFormat, exportFileName, exportStream, exportTypes } from './log-export.js'
import {
  filterQuery,
  type LogFilterValues,
  logRanges,
  parseLogFilter,
  readLogFilterValues,
  timeValue,
} from './log-filters.js'

const pageSize = 50
/** The most rows one export holds. @default 100_000 */
export const defaultMaxExportRows = 100_000

export function logPages(deps: DashboardDeps, guards: DashboardGuards, { base }: DashboardContext): Hono<DashboardEnv> {
  /** A bad filter is thrown: the app answers it as a 400 page naming the field. */
  const exportRoute = (format: ExportFormat) => async (c: Context<DashboardEnv>) => {
    const filter = parseLogFilter(readLogFilterValues(c))
    const rows = deps.logs.each(filter, deps.maxExportRows ?? defaultMaxExportRows)
    return c.body(exportStream(rows, format), 200, {
      'content-type': exportTypes[format],
      'content-disposition': `attachment; filename="${exportFileName(format, new Date())}"`,
      'cache-control': 'no-store',
    })
  }
  return new Hono<DashboardEnv>()
    .get('/logs', guards.page, async (c) => {
      const values = readLogFilterValues(c)
      const cursor = queryField(c, 'cursor')
      const listed = await attempt(() => deps.logs.list({ ...parseLogFilter(values), limit: pageSize, cursor }))
      const filtered = Object.keys(values).length > 0
      return c.html(
        <Layout
          frame={{ base, csrfToken: c.get('session').csrfToken }}
          title="Call logs"
          section="logs"
          times
          notice={listed.ok ? undefined : { kind: 'error', text: listed.message }}
        >
          <LogFilterForm base={base} values={values} integrations={deps.integrations.keys()} />
          <p class="exports">
            {filtered ? <a href={`${base}/logs`}>Clear the filter</a> : null}
            <span class="muted">Download {filtered ? 'these calls' : 'all calls'}:</span>
            <a href={`${base}/logs/export.csv${filterQuery(values)}`} download>
              CSV
            </a>
            <a href={`${base}/logs/export.ndjson${filterQuery(values)}`} download>
              NDJSON
            </a>
          </p>
          {listed.ok ? <LogTable logs={listed.value.data} base={base} filtered={filtered} /> : null}
          <p class="pager">
            {cursor === undefined ? null : <a href={`${base}/logs${filterQuery(values)}`}>Newest calls</a>}
            {listed.ok && listed.value.nextCursor !== null ? (
              <a href={`${base}/logs${filterQuery(values, { cursor: listed.value.nextCursor })}`}>Older calls</a>
            ) : null}
          </p>
        </Layout>,
      )
    })
    .get('/logs/export.csv', guards.page, exportRoute('csv'))
    .get('/logs/export.ndjson', guards.page, exportRoute('ndjson'))
    .get('/logs/:id', guards.page, async (c) => {
      const log = await deps.logs.get(c.req.param('id'))
      if (log === undefined) return c.notFound()
      return c.html(
        <Layout frame={{ base, csrfToken: c.get('session').csrfToken }} title="Call" section="logs" times>
          <CallFacts log={log} />
          <CallDetailSections log={log} />
          <p>
            <a href={`${base}/logs`}>All calls</a>
          </p>
        </Layout>,
      )
    })
}

function LogFilterForm(props: { base: string; values: LogFilterValues; integrations: Iterable<string> }) {
  const { values } = props
  return (
    <form method="get" action={`${props.base}/logs`} class="filters">
      <label>
        Period
        <select name="range">
          <option value="">any time</option>
          {Object.entries(logRanges).map(([key, range]) => (
            <option value={key} selected={key === values.range}>
              {range.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" step="1" name="since" value={timeValue(values.since)} />
      </label>
      <label>
        Until
        <input type="datetime-local" step="1" name="until" value={timeValue(values.until)} />
      </label>
      <label>
        Status
        <input name="status" list="status-classes" placeholder="5xx, 429, error" value={values.status ?? ''} />
        <datalist id="status-classes">
          <option value="2xx" />
          <option value="3xx" />
          <option value="4xx" />
          <option value="5xx" />
          <option value="error">no answer, or 4xx/5xx</option>
        </datalist>
      </label>
      <label>
        Integration
        <select name="integration">
          <option value="">any</option>
          {[...props.integrations].map((id) => (
            <option selected={id === values.integration}>{id}</option>
          ))}
        </select>
      </label>
      <label>
        User id
        <input name="userId" value={values.userId ?? ''} />
      </label>
      <label>
        Path contains
        <input name="path" placeholder="/chat.postMessage" value={values.path ?? ''} />
      </label>
      <button type="submit" class="secondary">
        Filter
      </button>
    </form>
  )
}

const statusClass = (log: CallLog) => (log.status !== null && log.status < 400 ? 'status-ok' : 'status-error')

function LogTable(props: { logs: readonly CallLog[]; base: string; filtered: boolean }) {
  if (props.logs.length === 0)
    return <p class="muted">{props.filtered ? 'No call matches this filter.' : 'No calls yet.'}</p>
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

function CallFacts(props: { log: CallLogDetail }) {
  const { log } = props
  return (
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
        {log.errorText === null ? null : (
          <>
            <dt>Error message</dt>
            <dd class="error-text">{log.errorText}</dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>{log.attempts}</dd>
        {log.cache === null ? null : (
          <>
            <dt>Cache</dt>
            <dd>{log.cache}</dd>
          </>
        )}
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
  )
}

function CallDetailSections(props: { log: CallLogDetail }) {
  const { log } = props
  const kept = log.attemptLog.length > 0 || log.requestHeaders.length > 0 || log.errorText !== null
  if (!kept)
    return <p class="muted">Headers, error bodies and attempts are kept for calls that failed or were retried.</p>
  return (
    <>
      {log.attemptLog.length === 0 ? null : <AttemptTable attempts={log.attemptLog} />}
      {log.responseBody === null ? null : <ResponseBody body={log.responseBody} />}
      <HeaderList title="Request headers (as sent to the provider)" headers={log.requestHeaders} />
      <HeaderList title="Response headers" headers={log.responseHeaders} />
    </>
  )
}

function AttemptTable(props: { attempts: readonly CallAttempt[] }) {
  return (
    <section class="card">
      <h2>Attempts</h2>
      <table class="cards attempts">
        <thead>
          <tr>
            <th>#</th>
            <th>Answer</th>
            <th>Waited before</th>
            <th>Rate limit</th>
            <th>Took</th>
          </tr>
        </thead>
        <tbody>
          {props.attempts.map((entry) => (
            <tr>
              <td data-label="#">{entry.attempt}</td>
              <td
                data-label="Answer"
                class={entry.status !== null && entry.status < 400 ? 'status-ok' : 'status-error'}
              >
                {entry.status ?? entry.error ?? 'no answer'}
              </td>
              <td data-label="Waited before">{entry.waitMs} ms</td>
              <td data-label="Rate limit">{entry.rateLimitWaitMs} ms</td>
              <td data-label="Took">{entry.durationMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function ResponseBody(props: { body: LoggedBody }) {
  const { body } = props
  return (
    <section class="card">
      <h2>Provider's error body</h2>
      <p class="muted">
        {body.bytes} bytes{body.truncated ? ', of which the first 64 KiB are kept' : ''}; a credential the provider
        echoed is shown as [redacted].
      </p>
      {body.text === null ? (
        <p class="muted">Not text: the bytes are not shown.</p>
      ) : body.text === '' ? (
        <p class="muted">Empty.</p>
      ) : (
        <pre class="body">{body.text}</pre>
      )}
    </section>
  )
}

function HeaderList(props: { title: string; headers: ReadonlyArray<readonly [string, string]> }) {
  return (
    <section class="card">
      <h2>{props.title}</h2>
      {props.headers.length === 0 ? (
        <p class="muted">None kept (the call got no answer, or ended before it was sent).</p>
      ) : (
        <dl class="facts headers">
          {props.headers.map(([name, value]) => (
            <>
              <dt>
                <code>{name}</code>
              </dt>
              <dd>
                <code>{value}</code>
              </dd>
            </>
          ))}
        </dl>
      )}
    </section>
  )
}
