/** @module API keys: the list, creating one (shown once, on the answer to the form), and revoking one. */
import { type Context, Hono } from 'hono'
import { ActionButton, shortTime } from './controls.js'
import type { DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields } from './form-input.js'
import { Csrf, Layout, type PageFrame } from './layout.js'

export function keyPages(deps: DashboardDeps, guards: DashboardGuards, base: string): Hono<DashboardEnv> {
  async function keysPage(c: Context<DashboardEnv>, shown?: { name: string; key: string }, error?: string) {
    const frame: PageFrame = { base, csrfToken: c.get('session').csrfToken }
    const keys = await deps.apiKeys.listAll()
    const revoked = c.req.query('done') === 'revoked'
    const notice =
      error !== undefined
        ? { kind: 'error' as const, text: error }
        : revoked
          ? { kind: 'ok' as const, text: 'Revoked: the key no longer works.' }
          : undefined
    return (
      <Layout frame={frame} title="API keys" section="keys" notice={notice}>
        {shown === undefined ? null : (
          <section class="card new-key">
            <h2>New key “{shown.name}”</h2>
            <p>Copy it now: it is shown only this once.</p>
            <p>
              <code class="secret">{shown.key}</code>
            </p>
          </section>
        )}
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr>
                  <td>
                    {key.name}
                    {key.id === c.get('session').apiKeyId ? <span class="muted"> (this session)</span> : null}
                  </td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{shortTime(key.createdAt)}</td>
                  <td>{shortTime(key.lastUsedAt)}</td>
                  <td>
                    <ActionButton
                      action={`${base}/keys/${key.id}/revoke`}
                      csrfToken={frame.csrfToken}
                      label="Revoke"
                      kind="danger"
                      ariaLabel={`Revoke ${key.name}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <section class="card">
          <h2>Create a key</h2>
          <form method="post" action={`${base}/keys`} class="stack">
            <Csrf token={frame.csrfToken} />
            <label for="key-name">Name</label>
            <input id="key-name" name="name" maxlength={100} required />
            <button type="submit">Create</button>
          </form>
        </section>
      </Layout>
    )
  }

  return new Hono<DashboardEnv>()
    .get('/keys', guards.page, async (c) => c.html(await keysPage(c)))
    .post('/keys', guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const created = await attempt(() => deps.apiKeys.create(field('name') ?? ''))
      if (!created.ok) return c.html(await keysPage(c, undefined, created.message), 400)
      return c.html(await keysPage(c, { name: created.value.info.name, key: created.value.key }))
    })
    .post('/keys/:id/revoke', guards.page, guards.action, async (c) => {
      const id = c.req.param('id')
      const revoked = await attempt(() => deps.apiKeys.revoke(id))
      if (!revoked.ok) return c.html(await keysPage(c, undefined, revoked.message), 400)
      // Revoking the session's own key ends the session: back to the sign-in page.
      if (id === c.get('session').apiKeyId) {
        guards.cookie.clear(c)
        return c.redirect(`${base}/sign-in?revoked=1`, 303)
      }
      return c.redirect(`${base}/keys?done=revoked`, 303)
    })
}
