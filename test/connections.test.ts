/** Connections through the HTTP API, on both database backends, against a strictly rotating fake provider. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listEvents } from '../src/storage/outbox-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const past = () => new Date(Date.now() - 60_000).toISOString()
const future = () => new Date(Date.now() + 3_600_000).toISOString()

describe.each(backends())('connections on $name', (backend) => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(() => h.close())

  async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
    return (await response.json()) as T
  }

  async function importOauth(userId: string, expiresAt: string, refreshToken = h.provider.grant()) {
    const response = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId,
        credentials: { accessToken: `old-${userId}`, refreshToken, expiresAt, scopes: ['read'] },
      }),
    })
    return { response, refreshToken }
  }

  it('imports a token set (201, then 200 on replace) and shows the connection without any token', async () => {
    const first = await importOauth('u_import', future())
    expect(first.response.status).toBe(201)
    const connection = await json(first.response)
    expect(connection).toMatchObject({
      integration: 'acme',
      provider: 'acme',
      userId: 'u_import',
      status: 'active',
      scopes: ['read'],
    })
    expect((await importOauth('u_import', future())).response.status).toBe(200)
    const fetched = await json(await h.call('/v1/connections/acme/u_import'))
    expect(fetched).toMatchObject({ userId: 'u_import', status: 'active' })
    const events = await listEvents(h.database.db, { type: 'connection.created', userId: 'u_import' })
    expect(events).toHaveLength(2)
  })

  it('refreshes an expired token once for 50 concurrent readers, storing the rotated refresh token sealed', async () => {
    const { refreshToken } = await importOauth('u_race', past())
    const before = h.provider.calls.length
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.call('/v1/connections/acme/u_race/token')))
    const tokens = await Promise.all(answers.map((answer) => json<{ accessToken: string }>(answer)))
    const refreshCalls = h.provider.calls.slice(before)
    expect(refreshCalls).toHaveLength(1)
    expect(refreshCalls[0]?.form).toEqual({ grant_type: 'refresh_token', refresh_token: refreshToken })
    expect(refreshCalls[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('acme-client:acme-secret').toString('base64')}`,
    )
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(new Set([h.provider.issued.at(-1)]))
    // The chain still refreshes afterwards: the rotated refresh token was kept.
    const forced = await h.call('/v1/connections/acme/u_race/refresh', { method: 'POST' })
    expect(forced.status).toBe(200)
    expect(h.provider.calls.slice(before)).toHaveLength(2)
    const row = await h.database.db
      .selectFrom('connections')
      .select('credentials')
      .where('user_id', '=', 'u_race')
      .executeTakeFirstOrThrow()
    expect(row.credentials).toMatch(/^v1\.k1\./)
    for (const token of h.provider.issued) expect(row.credentials).not.toContain(token)
  })

  it('refreshes two connections in parallel, one call each', async () => {
    await importOauth('u_pair_a', past())
    await importOauth('u_pair_b', past())
    const before = h.provider.calls.length
    await Promise.all(
      ['u_pair_a', 'u_pair_b'].flatMap((user) =>
        Array.from({ length: 10 }, () => h.call(`/v1/connections/acme/${user}/token`)),
      ),
    )
    expect(h.provider.calls.slice(before)).toHaveLength(2)
  })

  it('keeps the old refresh token when the provider sends none', async () => {
    const { refreshToken } = await importOauth('u_keep', past())
    h.provider.behave({ kind: 'no-rotation' })
    try {
      expect((await h.call('/v1/connections/acme/u_keep/token')).status).toBe(200)
      await h.call('/v1/connections/acme/u_keep/refresh', { method: 'POST' })
      const last = h.provider.calls.at(-1)
      expect(last?.form.refresh_token).toBe(refreshToken)
    } finally {
      h.provider.behave({ kind: 'ok' })
    }
  })

  it('marks a refused refresh needs_reauth once, and then answers 409 without calling the provider', async () => {
    await importOauth('u_reauth', past(), 'rt_unknown_to_the_provider')
    const refused = await h.call('/v1/connections/acme/u_reauth/token')
    expect(refused.status).toBe(409)
    expect(await json(refused)).toEqual({
      error: { code: 'connection_needs_reauth', message: 'the connection of u_reauth to acme must be made again' },
    })
    const calls = h.provider.calls.length
    expect((await h.call('/v1/connections/acme/u_reauth/token')).status).toBe(409)
    expect(h.provider.calls.length).toBe(calls)
    expect(await json(await h.call('/v1/connections/acme/u_reauth'))).toMatchObject({ status: 'needs_reauth' })
    expect(await listEvents(h.database.db, { type: 'connection.needs_reauth', userId: 'u_reauth' })).toHaveLength(1)
  })

  it('on a transient failure goes refresh_failing, keeps using a still-valid token, waits out the cool-down, then recovers', async () => {
    const nearExpiry = new Date(Date.now() + 60_000).toISOString()
    await importOauth('u_flaky', nearExpiry)
    h.provider.behave({ kind: 'status', status: 500 })
    const before = h.provider.calls.length
    const stillValid = await h.call('/v1/connections/acme/u_flaky/token')
    expect(stillValid.status).toBe(200)
    expect(await json(stillValid)).toMatchObject({ accessToken: 'old-u_flaky' })
    expect(await json(await h.call('/v1/connections/acme/u_flaky'))).toMatchObject({ status: 'refresh_failing' })
    await h.call('/v1/connections/acme/u_flaky/token')
    expect(h.provider.calls.length - before).toBe(1)
    h.provider.behave({ kind: 'ok' })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const recovered = await json<{ accessToken: string }>(await h.call('/v1/connections/acme/u_flaky/token'))
    expect(recovered.accessToken).toBe(h.provider.issued.at(-1))
    expect(await listEvents(h.database.db, { type: 'connection.refresh_failed', userId: 'u_flaky' })).toHaveLength(1)
    expect(await listEvents(h.database.db, { type: 'connection.recovered', userId: 'u_flaky' })).toHaveLength(1)
  })

  it('answers timeout when the token endpoint is slower than its timeout, and does not call again in the cool-down', async () => {
    await importOauth('u_slow', past())
    h.provider.behave({ kind: 'slow', ms: 2_000 })
    try {
      const before = h.provider.calls.length
      const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('/v1/connections/acme/u_slow/token')))
      expect(answers.map((answer) => answer.status)).toEqual([504, 504, 504, 504, 504])
      expect((await h.call('/v1/connections/acme/u_slow/token')).status).toBe(502)
      expect(h.provider.calls.length - before).toBe(1)
    } finally {
      h.provider.behave({ kind: 'ok' })
    }
  })

  it('honours user ids byte for byte, and refuses ids outside the grammar', async () => {
    await importOauth('u_1', future())
    expect((await h.call('/v1/connections/acme/U_1')).status).toBe(404)
    expect((await h.call('/v1/connections/acme/u_1%20')).status).toBe(400)
    const list = await json<{ data: Array<{ userId: string }> }>(await h.call('/v1/connections?userId=u_1'))
    expect(list.data.map((connection) => connection.userId)).toEqual(['u_1'])
    expect((await h.call('/v1/connections/nope/u_1')).status).toBe(404)
    expect((await h.call('/v1/connections?status=weird')).status).toBe(400)
  })

  it('answers not_token_based for API-key connections', async () => {
    const created = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'u_key', credentials: { apiKey: 'sk_live_secret_value' } }),
    })
    expect(created.status).toBe(201)
    const token = await h.call('/v1/connections/keyed/u_key/token')
    expect(token.status).toBe(400)
    expect(await json(token)).toMatchObject({ error: { code: 'not_token_based' } })
    const wrongShape = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId: 'u_key', credentials: { accessToken: 'x' } }),
    })
    expect(wrongShape.status).toBe(400)
  })

  it('revokes the refresh token on delete, forgets the connection, and queues a revocation the provider refused', async () => {
    const { refreshToken } = await importOauth('u_delete', future())
    expect((await h.call('/v1/connections/acme/u_delete', { method: 'DELETE' })).status).toBe(204)
    expect(h.provider.calls.at(-1)).toMatchObject({
      path: '/revoke',
      form: { token: refreshToken, token_type_hint: 'refresh_token' },
    })
    expect((await h.call('/v1/connections/acme/u_delete')).status).toBe(404)
    expect(await listEvents(h.database.db, { type: 'connection.deleted', userId: 'u_delete' })).toHaveLength(1)

    const second = await importOauth('u_delete_later', future())
    h.provider.behave({ kind: 'status', status: 503 })
    expect((await h.call('/v1/connections/acme/u_delete_later', { method: 'DELETE' })).status).toBe(204)
    const pending = await h.database.db.selectFrom('pending_revocations').selectAll().execute()
    expect(pending).toHaveLength(1)
    expect(pending[0]?.token).not.toContain(second.refreshToken)
    expect(
      await h.database.db.selectFrom('connections').where('user_id', '=', 'u_delete_later').selectAll().execute(),
    ).toHaveLength(0)
    h.provider.behave({ kind: 'ok' })
    expect(await h.services.revoker.retryPending(h.services.integrations)).toBe(1)
    expect(h.provider.revoked.at(-1)).toBe(second.refreshToken)
    expect(await h.database.db.selectFrom('pending_revocations').selectAll().execute()).toHaveLength(0)
  })

  it('records each token read in the call log, failures too, without the token', async () => {
    await importOauth('u_logged', future())
    await h.call('/v1/connections/acme/u_logged/token')
    await h.call('/v1/connections/acme/u_reauth/token')
    // Rows are written in batches, off the request path.
    await h.services.callLog.flush()
    const rows = await h.database.db
      .selectFrom('api_logs')
      .selectAll()
      .where('user_id', 'in', ['u_logged', 'u_reauth'])
      .execute()
    expect(rows.find((row) => row.user_id === 'u_logged')).toMatchObject({
      integration: 'acme',
      provider: 'acme',
      endpoint: '(token read)',
      status_code: 200,
      error_message: null,
    })
    expect(rows.find((row) => row.user_id === 'u_reauth')).toMatchObject({
      status_code: 409,
      error_message: 'connection_needs_reauth',
    })
    expect(JSON.stringify(rows)).not.toContain('old-u_logged')
  })

  it('shows a connection as exactly the fields of Connection, none of them a secret', async () => {
    await importOauth('u_view', future())
    const connection = await json(await h.call('/v1/connections/acme/u_view'))
    expect(Object.keys(connection).sort()).toEqual(
      [
        'integration',
        'provider',
        'userId',
        'status',
        'scopes',
        'providerAccountId',
        'expiresAt',
        'createdAt',
        'updatedAt',
        'lastRefreshedAt',
        'metadata',
      ].sort(),
    )
  })
  // Every answer of every test here is also read for every secret the harness knows when it closes
  // (test/helpers/leak-watch.ts): tokens, refresh tokens, the client secret, API keys, imported credentials.
})
