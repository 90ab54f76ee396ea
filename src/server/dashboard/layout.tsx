/** @module The frame of every dashboard page: head, navigation, sign-out, and a notice line. */
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'

export type Section = 'integrations' | 'connections' | 'logs' | 'usage' | 'events' | 'keys'

const sections: ReadonlyArray<{ id: Section; label: string; path: string }> = [
  { id: 'integrations', label: 'Integrations', path: '/' },
  { id: 'connections', label: 'Connections', path: '/connections' },
  { id: 'logs', label: 'Call logs', path: '/logs' },
  { id: 'usage', label: 'Usage', path: '/usage' },
  { id: 'events', label: 'Events', path: '/events' },
  { id: 'keys', label: 'API keys', path: '/keys' },
]

/** What a page that shows times says once, beside its title. */
export const timesNote = 'Times are in UTC'

/** A line at the top of a page: what an action did, or why it did not. */
export interface Notice {
  kind: 'ok' | 'error'
  text: string
}

export interface PageFrame {
  /** The hub's path prefix ('' at the root). */
  base: string
  csrfToken: string
}

export function Layout(props: {
  frame: PageFrame
  title: string
  /** The navigation entry to mark as current, if any (an error page has none). */
  section?: Section | undefined
  notice?: Notice | undefined
  /**
   * The page shows times: it says once, beside its title, that they are UTC (`formatTime` writes them bare). The pages
   * run no script, so they cannot learn the browser's time zone.
   */
  times?: boolean | undefined
  children: Child
}) {
  const { base, csrfToken } = props.frame
  return (
    <Document base={base} title={props.title}>
      <header class="top">
        <a class="brand" href={`${base}/`}>
          Junction
        </a>
        <nav>
          {sections.map((section) => (
            <a href={`${base}${section.path}`} aria-current={section.id === props.section ? 'page' : undefined}>
              {section.label}
            </a>
          ))}
        </nav>
        <form method="post" action={`${base}/sign-out`} class="sign-out">
          <Csrf token={csrfToken} />
          <button type="submit" class="link">
            Sign out
          </button>
        </form>
      </header>
      <main>
        <div class="page-head">
          <h1>{props.title}</h1>
          {props.times === true ? <p class="muted time-zone">{timesNote}</p> : null}
        </div>
        {props.notice === undefined ? null : (
          <p class={`notice ${props.notice.kind}`} role="status">
            {props.notice.text}
          </p>
        )}
        {props.children}
      </main>
    </Document>
  )
}

export function Document(props: { base: string; title: string; children: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · Junction`}</title>
          <link rel="stylesheet" href={`${props.base}/assets/dashboard.css`} />
          <link rel="icon" type="image/svg+xml" href={`${props.base}/favicon.svg`} />
        </head>
        <body>{props.children}</body>
      </html>
    </>
  )
}

/** A hidden CSRF field, for every state-changing form. */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />
}
