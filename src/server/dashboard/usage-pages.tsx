/**
 * @module Usage: calls per UTC hour or day and per integration or end user, as `GET /v1/usage` counts them, with the
 * question in the query string (a link to share), and the same rows as CSV (docs/dashboard.md, "Usage").
 */
import { type Context, Hono } from 'hono'
import type { UsageEntry, UsageQuery } from '../../logs/usage.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, queryField } from './form-input.js'
import { Layout } from './layout.js'
import { parseFilterTime, timeValue } from './log-filters.js'
import { defaultMaxUsageRows, usageCsv, usageFileName } from './usage-export.js'

const pageSize = 100
const milliseconds = (ms: number | null) => (ms === null ? '–' : `${ms} ms`)
const usageFields = ['groupBy', 'interval', 'since', 'until', 'integration', 'userId'] as const
type UsageValues = Partial<Record<(typeof usageFields)[number], string>>

export function usagePages(
  deps: DashboardDeps,
  guards: DashboardGuards,
  { base }: DashboardContext,
): Hono<DashboardEnv> {
  const routes = new Hono<DashboardEnv>()
  const usage = deps.usage
  if (usage === undefined) return routes
  return routes
    .get('/usage', guards.page, async (c) => {
      const values = readUsageValues(c)
      const cursor = queryField(c, 'cursor')
      const report = await attempt(() => usage.report({ ...parseUsageValues(values), limit: pageSize, cursor }))
      return c.html(
        <Layout
          frame={{ base, csrfToken: c.get('session').csrfToken }}
          title="Usage"
          section="usage"
          times
          notice={report.ok ? undefined : { kind: 'error', text: report.message }}
        >
          <UsageForm base={base} values={values} integrations={deps.integrations.keys()} />
          <p class="exports">
            {report.ok ? (
              <span class="muted">
                {formatPeriod(report.value.since, report.value.until)}, by {report.value.interval}.
              </span>
            ) : null}
            <span class="muted">Download:</span>
            <a href={`${base}/usage.csv${usageQuery(values)}`} download>
              CSV
            </a>
          </p>
          {report.ok ? <UsageTable entries={report.value.data} by={report.value.groupBy} /> : null}
          <p class="pager">
            {cursor === undefined ? null : <a href={`${base}/usage${usageQuery(values)}`}>First rows</a>}
            {report.ok && report.value.nextCursor !== null ? (
              <a href={`${base}/usage${usageQuery(values, { cursor: report.value.nextCursor })}`}>Next rows</a>
            ) : null}
          </p>
        </Layout>,
      )
    })
    .get('/usage.csv', guards.page, async (c) => {
      // A bad question is thrown: the app answers it as a 400 page naming the field.
      const query = parseUsageValues(readUsageValues(c))
      const entries = usage.each(query, deps.maxExportRows ?? defaultMaxUsageRows)
      const first = await entries.next()
      async function* all() {
        if (first.done !== true) yield first.value
        yield* entries
      }
      return c.body(usageCsv(all(), query.groupBy), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${usageFileName(query.interval, new Date())}"`,
        'cache-control': 'no-store',
      })
    })
}

function readUsageValues(c: Context): UsageValues {
  const values: UsageValues = {}
  for (const name of usageFields) {
    const value = queryField(c, name)
    if (value !== undefined) values[name] = value
  }
  return values
}

/** The question the values ask; unknown choices fall back to the defaults (the form offers no others). */
function parseUsageValues(values: UsageValues): UsageQuery {
  return {
    groupBy: values.groupBy === 'userId' ? 'userId' : 'integration',
    interval: values.interval === 'hour' ? 'hour' : 'day',
    since: values.since === undefined ? undefined : parseFilterTime('since', values.since),
    until: values.until === undefined ? undefined : parseFilterTime('until', values.until),
    integration: values.integration,
    userId: values.userId,
  }
}

function usageQuery(values: UsageValues, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams()
  for (const name of usageFields) {
    const value = values[name]
    if (value !== undefined) query.set(name, value)
  }
  for (const [name, value] of Object.entries(extra)) query.set(name, value)
  const text = query.toString()
  return text === '' ? '' : `?${text}`
}

function formatPeriod(since: string, until: string): string {
  const show = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 16)}`
  return `From ${show(since)} until ${show(until)}`
}

function UsageForm(props: { base: string; values: UsageValues; integrations: Iterable<string> }) {
  const { values } = props
  return (
    <form method="get" action={`${props.base}/usage`} class="filters">
      <label>
        Per
        <select name="groupBy">
          <option value="integration">integration</option>
          <option value="userId" selected={values.groupBy === 'userId'}>
            end user
          </option>
        </select>
      </label>
      <label>
        By
        <select name="interval">
          <option value="day">day</option>
          <option value="hour" selected={values.interval === 'hour'}>
            hour
          </option>
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
      <button type="submit" class="secondary">
        Show
      </button>
    </form>
  )
}

function UsageTable(props: { entries: readonly UsageEntry[]; by: UsageQuery['groupBy'] }) {
  if (props.entries.length === 0) return <p class="muted">No calls in this period.</p>
  const keyLabel = props.by === 'integration' ? 'Integration' : 'User'
  return (
    <div class="scroll">
      <table class="cards">
        <thead>
          <tr>
            <th>Start</th>
            <th>{keyLabel}</th>
            <th>Calls</th>
            <th>Errors</th>
            <th>p95</th>
            <th>Bytes</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((entry) => (
            <tr>
              <td data-label="Start">{`${entry.start.slice(0, 10)} ${entry.start.slice(11, 16)}`}</td>
              <td data-label={keyLabel}>{entry.integration ?? entry.userId ?? '(app-level)'}</td>
              <td data-label="Calls">{entry.calls}</td>
              <td data-label="Errors">{entry.errors}</td>
              <td data-label="p95">{milliseconds(entry.p95Ms)}</td>
              <td data-label="Bytes">{entry.bytes ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
