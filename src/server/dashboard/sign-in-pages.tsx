/**
 * @module Signing in with an API key (which buys a 12-hour session, never stored in the browser itself) and signing
 * out. The sign-in form needs no CSRF token (there is no session yet) but must come from our own origin.
 */
import { Hono } from 'hono'
import type { DashboardDeps, DashboardEnv } from './dashboard-env.js'
import { type DashboardGuards, forbidden, isSameOrigin } from './dashboard-security.js'
import { formFields } from './form-input.js'
import { Document } from './layout.js'

export function signInPages(deps: DashboardDeps, guards: DashboardGuards, base: string): Hono<DashboardEnv> {
  return new Hono<DashboardEnv>()
    .get('/sign-in', guards.headers, (c) =>
      c.html(
        <SignInPage
          base={base}
          message={c.req.query('revoked') === undefined ? undefined : 'Your key was revoked: sign in with another one.'}
        />,
      ),
    )
    .post('/sign-in', guards.headers, async (c) => {
      if (!isSameOrigin(c, guards.origins)) return forbidden(c)
      const field = await formFields(c)
      const signedIn = await deps.sessions.signIn(field('key') ?? '')
      if (signedIn === undefined)
        return c.html(<SignInPage base={base} message="That key is not valid (unknown, revoked or mistyped)." />, 401)
      guards.cookie.set(c, signedIn.id, signedIn.session.expiresAt)
      return c.redirect(`${base}/`, 303)
    })
    .post('/sign-out', guards.page, guards.action, async (c) => {
      await deps.sessions.signOut(c.get('sessionId'))
      guards.cookie.clear(c)
      return c.redirect(`${base}/sign-in`, 303)
    })
}

function SignInPage(props: { base: string; message?: string | undefined }) {
  return (
    <Document base={props.base} title="Sign in">
      <main class="sign-in">
        <h1>Junction</h1>
        {props.message === undefined ? null : (
          <p class="notice error" role="alert">
            {props.message}
          </p>
        )}
        <form method="post" action={`${props.base}/sign-in`} class="stack card">
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="off" placeholder="jnc_…" required />
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">
          On a new hub in development, the first key is in <code>.junction/initial-api-key</code>. Create more with{' '}
          <code>junction keys create &lt;name&gt;</code>.
        </p>
      </main>
    </Document>
  )
}
