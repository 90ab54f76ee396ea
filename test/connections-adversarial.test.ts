/**
 * Connections under attack or breakage (docs/security.md: "Isolation between users", "What a database reader sees",
 * "Refresh failures"; docs/http-api.md, "Ids").
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listEvents } from '../src/storage/outbox-store.js'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('connections under attack on $name', (backend) => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backend, { publicUrl: 'http://junction.test' })
  })
  afterAll(() => h.close())

  const importFor = async (
    userId: string,
    expiresAt = new Date(Date.now() + 3_600_000).toISOString(),
    refreshToken = h.provider.grant(),
  ) => {
    const response = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId,
        credentials: { accessToken: `token-of-${userId}`, refreshToken, expiresAt },
      }),
    })
    expect(response.status).toBe(201)
    return refreshToken
  }

  it("refuses the user ids '.' and '..', which no URL can address, everywhere an id comes in", async () => {
    for (const userId of ['.', '..']) {
      const imported = await h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ integration: 'acme', userId, credentials: { accessToken: 'token-of-dots' } }),
      })
      expect(imported.status).toBe(400)
      expect(await imported.json()).toMatchObject({ error: { code: 'invalid_request' } })
      const session = await h.call('/v1/connect-sessions', {
        method: 'POST',
        body: JSON.stringify({ integration: 'acme', userId }),
      })
      expect(session.status).toBe(400)
      const proxied = await h.call('/v1/proxy/acme/items', { headers: { 'junction-user-id': userId } })
      expect(proxied.status).toBe(400)
      expect(proxied.headers.get('junction-error')).toBe('invalid_request')
    }
    // Dots inside an id are fine, and addressable.
    await importFor('.a..b.')
    expect((await h.call('/v1/connections/acme/.a..b.')).status).toBe(200)
    expect((await h.call('/v1/users/.a..b.', { method: 'DELETE' })).status).toBe(204)
    expect((await h.call('/v1/connections/acme/.a..b.')).status).toBe(404)
  })

  it("never gives one user id another's token, refresh or deletion (ids compared byte for byte)", async () => {
    await importFor('u_1')
    await importFor('U_1')
    const token = (await (await h.call('/v1/connections/acme/U_1/token')).json()) as { accessToken: string }
    expect(token.accessToken).toBe('token-of-U_1')
    const before = h.provider.calls.length
    expect((await h.call('/v1/connections/acme/U_1/refresh', { method: 'POST' })).status).toBe(200)
    expect((await h.call('/v1/connections/acme/U_1', { method: 'DELETE' })).status).toBe(204)
    expect(h.provider.calls.length - before).toBe(2)
    const untouched = (await (await h.call('/v1/connections/acme/u_1/token')).json()) as { accessToken: string }
    expect(untouched.accessToken).toBe('token-of-u_1')
    for (const path of ['/v1/connections/acme/U_1', '/v1/connections/acme/U_1/token'])
      expect((await h.call(path)).status).toBe(404)
  })

  it("does not open a ciphertext copied from another user's row: that connection needs reauth, and no token leaks", async () => {
    await importFor('u_victim')
    await importFor('u_thief')
    await sql`update connections set credentials = (select credentials from connections where user_id = 'u_victim') where user_id = 'u_thief'`.execute(
      h.database.db,
    )
    const answer = await h.call('/v1/connections/acme/u_thief/token')
    expect(answer.status).toBe(409)
    expect(await answer.text()).not.toContain('token-of-u_victim')
    expect(((await (await h.call('/v1/connections/acme/u_thief')).json()) as { status: string }).status).toBe(
      'needs_reauth',
    )
    expect(await listEvents(h.database.db, { type: 'connection.needs_reauth', userId: 'u_thief' })).toHaveLength(1)
    expect(h.logLines.join('')).toContain('sealed credentials did not open')
    expect(
      ((await (await h.call('/v1/connections/acme/u_victim/token')).json()) as { accessToken: string }).accessToken,
    ).toBe('token-of-u_victim')
  })

  it('after a process died between the provider rotating the token and the commit, ends in needs_reauth, not a loop', async () => {
    const refreshToken = await importFor('u_crashed', new Date(Date.now() - 1_000).toISOString())
    // A dead process held the lease, and the provider had already rotated the refresh token for it.
    await h.database.db
      .updateTable('connections')
      .set({ refresh_lease_owner: 'dead-process', refresh_lease_until: sql<Date>`now() + interval '300 milliseconds'` })
      .where('user_id', '=', 'u_crashed')
      .execute()
    await fetch(`${h.provider.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    })
    const before = h.provider.calls.length
    const answer = await h.call('/v1/connections/acme/u_crashed/token')
    expect(answer.status).toBe(409)
    expect(h.provider.calls.length - before).toBe(1)
    expect((await h.call('/v1/connections/acme/u_crashed/token')).status).toBe(409)
    expect(h.provider.calls.length - before).toBe(1)
  })

  it('connects an API-key integration through the form of its connect link', async () => {
    const session = await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'u_form' }),
    })
    const { url } = (await session.json()) as { url: string }
    const browser = new Browserless('http://junction.test', h.app)
    const form = await browser.request(url)
    expect(form.status).toBe(200)
    expect(form.body).toContain('name="apiKey"')
    expect(form.headers.get('referrer-policy')).toBe('no-referrer')
    const submitted = await browser.submitForm(form, { apiKey: 'key-from-the-form' })
    expect(submitted.status).toBe(200)
    expect(submitted.body).toContain('connected')
    expect(((await (await h.call('/v1/connections/keyed/u_form')).json()) as { status: string }).status).toBe('active')
    // The link is spent, and another browser could not have used it.
    const stranger = new Browserless('http://junction.test', h.app)
    expect((await stranger.request(url)).status).toBe(400)
  })
})
