/**
 * @module Small pieces the dashboard's pages share: the integration and user filters, one-button action forms, the
 * confirmation step of a destructive action, and the one way times are written.
 */
import type { Child } from 'hono/jsx'
import { Csrf } from './layout.js'

/** The integration and user id fields of a list's filter form. */
export function IntegrationUserFilters(props: {
  integrations: Iterable<string>
  integration: string | undefined
  userId: string | undefined
}) {
  return (
    <>
      <label>
        Integration
        <select name="integration">
          <option value="">any</option>
          {[...props.integrations].map((id) => (
            <option selected={id === props.integration}>{id}</option>
          ))}
        </select>
      </label>
      <label>
        User id
        <input name="userId" value={props.userId ?? ''} />
      </label>
    </>
  )
}

/** A state-changing action as a one-button form, with the CSRF token. */
export function ActionButton(props: {
  action: string
  csrfToken: string
  label: string
  kind: 'secondary' | 'danger'
  ariaLabel?: string
  /** Hidden fields: what the action is about (ids go here rather than in the path, where `..` would not survive). */
  fields?: Readonly<Record<string, string>>
}) {
  return (
    <form method="post" action={props.action} class="inline">
      <Csrf token={props.csrfToken} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  )
}

/**
 * A time as every page shows it: to the minute, in UTC, with no zone after it. A page that shows one says once that
 * times are UTC (`Layout`'s `times`).
 */
export function formatTime(time: string | Date | null): string {
  if (time === null) return '–'
  const iso = typeof time === 'string' ? new Date(time).toISOString() : time.toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
}

/**
 * The second step of a destructive action: what it will do, a button that does it (a form with the CSRF token and
 * the action's fields) and a way back. The first step is a link to this page, so one click never destroys anything.
 */
export function ConfirmAction(props: {
  action: string
  csrfToken: string
  /** What will happen, in a sentence or two. */
  children: Child
  label: string
  cancel: string
  fields: Readonly<Record<string, string>>
}) {
  return (
    <section class="card confirm">
      {props.children}
      <form method="post" action={props.action} class="actions">
        <Csrf token={props.csrfToken} />
        {Object.entries(props.fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit" class="danger solid">
          {props.label}
        </button>
        <a class="button secondary" href={props.cancel}>
          Cancel
        </a>
      </form>
    </section>
  )
}
