/** @module Small pieces the dashboard's pages share: the integration and user filters, and one-button action forms. */
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

/** A time as the tables show it: date and time to the second, UTC. */
export function shortTime(iso: string | null): string {
  return iso === null ? '–' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`
}
