/**
 * @module API keys: the list with each key's scope, creating one with a scope (its secret shown once, on the page the
 * form redirects to), and revoking one after a confirmation step.
 */
import { type Context, Hono } from 'hono'
import { apiKeyScopes, defaultApiKeyScope, isApiKeyScope } from '../../api-keys/key-scope.js'
import { ConfirmAction, formatTime } from './controls.js'
import type { DashboardContext, DashboardDeps, DashboardEnv } from './dashboard-env.js'
import type { DashboardGuards } from './dashboard-security.js'
import { attempt, formFields, noticeOf, queryField, redirectShowing, shownRecord } from './form-input.js'
import { Csrf, Layout, type Notice, type PageFrame } from './layout.js'

const scopeLabels = {
  admin: 'admin: everything, and the dashboard',
  read: 'read: only GETs under /v1, GETs through the proxy included (no tokens)',
  metrics: 'metrics: only /metrics',
} as const

export function keyPages(deps: DashboardDeps, guards: DashboardGuards, shared: DashboardContext): Hono<DashboardEnv> {
  const { base, records } = shared

  async function keysPage(c: Context<DashboardEnv>) {
    const frame: PageFrame = { base, csrfToken: c.get('session').csrfToken }
    const keys = await deps.apiKeys.listAll()
    const shown = await shownRecord(c, records)
    const created = shown?.kind === 'new-key' ? shown : undefined
    // A new key's record is read once: the same page loaded again (a reload) finds it gone, and says why.
    const notice: Notice | undefined =
      shown === undefined && queryField(c, 'new') !== undefined
        ? { kind: 'ok', text: 'A new key is shown once only. If you did not copy it, revoke it and create another.' }
        : noticeOf(c, shown)
    return (
      <Layout frame={frame} title="API keys" section="keys" notice={notice} times={keys.length > 0}>
        {created === undefined ? null : (
          <section class="card new-key">
            <h2>New key “{created.name}”</h2>
            <p>Copy it now: it is shown only this once.</p>
            <p>
              <code class="secret">{created.key}</code>
            </p>
          </section>
        )}
        <div class="scroll">
          <table class="cards">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span class="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr>
                  <td data-label="Name">
                    {key.name}
                    {key.id === c.get('session').apiKeyId ? <span class="muted"> (this session)</span> : null}
                  </td>
                  <td data-label="Scope">{key.scope}</td>
                  <td data-label="Key">
                    <code>{key.prefix}…</code>
                  </td>
                  <td data-label="Created">{formatTime(key.createdAt)}</td>
                  <td data-label="Last used">{formatTime(key.lastUsedAt)}</td>
                  <td class="actions-cell">
                    <a
                      class="button danger"
                      href={`${base}/keys/${encodeURIComponent(key.id)}/revoke`}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </a>
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
            <label for="key-scope">Scope</label>
            <select id="key-scope" name="scope">
              {apiKeyScopes.map((scope) => (
                <option value={scope} selected={scope === defaultApiKeyScope}>
                  {scopeLabels[scope]}
                </option>
              ))}
            </select>
            <button type="submit">Create</button>
          </form>
        </section>
      </Layout>
    )
  }

  const keysPath = `${base}/keys`
  const failed = (message: string) => ({ kind: 'notice' as const, notice: { kind: 'error' as const, text: message } })

  return new Hono<DashboardEnv>()
    .get('/keys', guards.page, async (c) => c.html(await keysPage(c)))
    .post('/keys', guards.page, guards.action, async (c) => {
      const field = await formFields(c)
      const scope = field('scope') ?? defaultApiKeyScope
      if (!isApiKeyScope(scope)) return redirectShowing(c, records, keysPath, failed('Choose a scope from the list.'))
      const created = await attempt(() => deps.apiKeys.create(field('name') ?? '', scope))
      if (!created.ok) return redirectShowing(c, records, keysPath, failed(created.message))
      return redirectShowing(
        c,
        records,
        `${keysPath}?new=1`,
        { kind: 'new-key', name: created.value.info.name, key: created.value.key },
        { once: true },
      )
    })
    .get('/keys/:id/revoke', guards.page, async (c) => {
      const key = (await deps.apiKeys.listAll()).find((candidate) => candidate.id === c.req.param('id'))
      if (key === undefined) return c.notFound()
      const own = key.id === c.get('session').apiKeyId
      return c.html(
        <Layout frame={{ base, csrfToken: c.get('session').csrfToken }} title="Revoke this key?" section="keys">
          <ConfirmAction
            action={`${base}/keys/${encodeURIComponent(key.id)}/revoke`}
            csrfToken={c.get('session').csrfToken}
            label="Revoke the key"
            cancel={keysPath}
            fields={{}}
          >
            <p>
              The key “{key.name}” (<code>{key.prefix}…</code>) stops working at once, on every instance: calls made
              with it are refused and dashboard sessions signed in with it end.
            </p>
            {own ? (
              <p>
                <strong>This session signed in with it: you will be signed out.</strong>
              </p>
            ) : null}
          </ConfirmAction>
        </Layout>,
      )
    })
    .post('/keys/:id/revoke', guards.page, guards.action, async (c) => {
      const id = c.req.param('id')
      const revoked = await attempt(() => deps.apiKeys.revoke(id))
      if (!revoked.ok) return redirectShowing(c, records, keysPath, failed(revoked.message))
      // Revoking the session's own key ends the session: back to the sign-in page.
      if (id === c.get('session').apiKeyId) {
        await records.forget(c.get('sessionId'))
        guards.cookie.clear(c)
        return c.redirect(`${base}/sign-in?revoked=1`, 303)
      }
      return redirectShowing(c, records, keysPath, {
        kind: 'notice',
        notice: { kind: 'ok', text: 'Revoked: the key no longer works.' },
      })
    })
}
