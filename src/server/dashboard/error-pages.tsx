/**
 * @module The dashboard's own error pages: a browser that asks for a page that is not there, or whose page failed,
 * sees HTML in the dashboard's frame (with the navigation when signed in), with the page headers and the error's
 * status. The JSON API keeps its JSON errors.
 */
import type { Context } from 'hono'
import type { Child } from 'hono/jsx'
import type { DashboardEnv } from './dashboard-env.js'
import { setDashboardHeaders } from './dashboard-security.js'
import { Document, Layout } from './layout.js'

export interface DashboardErrorPages {
  /** The 404 page for `c`'s path. */
  notFound(c: Context): Promise<Response>
  /** The page for a failed request, from the JSON answer the app's error handler made of the error (and logged). */
  failed(c: Context, answer: Response): Promise<Response>
}

export function dashboardErrorPages(base: string): DashboardErrorPages {
  async function errorPage(c: Context, status: number, title: string, children: Child, headers = new Headers()) {
    setDashboardHeaders(c)
    for (const [name, value] of headers) c.header(name, value)
    // Set by the dashboard's guard when the request got that far: the page then has the navigation.
    const session = (c as Context<DashboardEnv>).var.session as DashboardEnv['Variables']['session'] | undefined
    const body =
      session === undefined ? (
        <Document base={base} title={title}>
          <header class="top">
            <a class="brand" href={`${base}/`}>
              Junction
            </a>
          </header>
          <main>
            <h1>{title}</h1>
            {children}
          </main>
        </Document>
      ) : (
        <Layout frame={{ base, csrfToken: session.csrfToken }} title={title}>
          {children}
        </Layout>
      )
    return c.html(body, status as 404)
  }

  return {
    notFound: (c) =>
      errorPage(
        c,
        404,
        'Page not found',
        <section class="card">
          <p>
            Nothing is at <code>{`${base}${c.req.path}`}</code>.
          </p>
          <p>
            <a href={`${base}/`}>Go to the integrations</a>
          </p>
        </section>,
      ),
    async failed(c, answer) {
      const message = await answer
        .clone()
        .json()
        .then((body) => (body as { error?: { message?: unknown } }).error?.message)
        .catch(() => undefined)
      const status = answer.status
      const title =
        status === 503
          ? 'Not available right now'
          : status >= 500
            ? 'Something went wrong'
            : 'This request could not be handled'
      const kept = new Headers()
      const retryAfter = answer.headers.get('retry-after')
      if (retryAfter !== null) kept.set('retry-after', retryAfter)
      const junctionError = answer.headers.get('junction-error')
      if (junctionError !== null) kept.set('junction-error', junctionError)
      return errorPage(
        c,
        status,
        title,
        <section class="card">
          {/* The handler's message: written for callers, or a generic sentence for anything unexpected. */}
          <p>
            {typeof message === 'string' ? message : 'The hub failed to handle this request; the error was logged.'}
          </p>
          <p>
            {c.req.method === 'GET' ? (
              <>
                <a href={`${base}${c.req.path}${new URL(c.req.url).search}`}>Try again</a> ·{' '}
              </>
            ) : null}
            <a href={`${base}/`}>Go to the integrations</a>
          </p>
        </section>,
        kept,
      )
    },
  }
}
