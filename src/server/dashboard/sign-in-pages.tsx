/**
 * @module Signing in with an API key (which buys a 12-hour session, never stored in the browser itself) and signing
 * out. The sign-in form needs no CSRF token (there is no session yet) but must come from our own origin.
 */
import { Hono } from 'hono'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import { type DashboardGuards, forbidden, isSameOrigin } from './dashboard-security.js'
import { formFields } from './form-input.js'
import { Document } from './layout.js'

export function signInPages(
  deps: DashboardDeps,
  guards: DashboardGuards,
  { base, records }: DashboardContext,
): Hono<DashboardEnv> {
  // The outcome of a sign-in or sign-out is one of a few fixed sentences, chosen by the query: a crafted link can
  // choose among them but put no words of its own on the page.
  const messages: Readonly<Record<string, string>> = {
    revoked: 'Your key was revoked: sign in with another one.',
    refused: 'That key is not valid (unknown, revoked or mistyped), or is not an admin key.',
  }
  return new Hono<DashboardEnv>()
    .get('/sign-in', guards.headers, (c) => {
      const reason = Object.keys(messages).find((name) => c.req.query(name) !== undefined)
      return c.html(
        <SignInPage
          base={base}
          mode={deps.mode}
          initialApiKeyFile={deps.initialApiKeyFile}
          message={reason === undefined ? undefined : messages[reason]}
        />,
      )
    })
    .post('/sign-in', guards.headers, async (c) => {
      if (!isSameOrigin(c, guards.origins)) return forbidden(c)
      const field = await formFields(c)
      const signedIn = await deps.sessions.signIn(field('key') ?? '')
      // Redirected either way, so that a reload never sends the key again.
      if (signedIn === undefined) return c.redirect(`${base}/sign-in?refused=1`, 303)
      guards.cookie.set(c, signedIn.id, signedIn.session.expiresAt)
      return c.redirect(`${base}/`, 303)
    })
    .post('/sign-out', guards.page, guards.action, async (c) => {
      await deps.sessions.signOut(c.get('sessionId'))
      await records.forget(c.get('sessionId'))
      guards.cookie.clear(c)
      return c.redirect(`${base}/sign-in`, 303)
    })
}

function SignInPage(props: {
  base: string
  mode: DashboardDeps['mode']
  initialApiKeyFile: string | undefined
  message?: string | undefined
}) {
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
        {props.mode === 'development' && props.initialApiKeyFile !== undefined ? (
          <p class="muted first-key">
            A development hub writes its first key to <code>{props.initialApiKeyFile}</code>.
          </p>
        ) : (
          <p class="muted first-key">
            A production hub's first key is made with <code>junction keys create &lt;name&gt;</code> before it starts.
          </p>
        )}
        <p class="muted">
          Once signed in, create more keys on the <strong>API keys</strong> page, or with <code>POST /v1/api-keys</code>{' '}
          and a key you have.
        </p>
      </main>
    </Document>
  )
}
