/** `DELETE /v1/users/:userId`: every connection revoked and gone, then the user's logs, sessions and events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEvent } from '../src/storage/events-store.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('erasing an end user on $name', (backend) => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(() => h.close())

  const importFor = async (userId: string, integration: 'acme' | 'keyed') => {
    const credentials =
      integration === 'acme'
        ? { accessToken: `access-${userId}`, refreshToken: h.provider.grant() }
        : { apiKey: `key-of-${userId}` }
    const response = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration, userId, credentials }),
    })
    expect(response.status).toBe(201)
    return credentials
  }
  const countFor = async (table: 'connections' | 'api_logs' | 'connect_sessions' | 'outbox_events', userId: string) =>
    (await h.database.db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length

  it("revokes and forgets each of the user's connections, then their logs, sessions and events; others stay", async () => {
    const acme = await importFor('u_erase', 'acme')
    await importFor('u_erase', 'keyed')
    await importFor('u_keep', 'acme')
    // A token read (logged, still in the writer's buffer when the erasure starts) and an open connect session.
    expect((await h.call('/v1/connections/acme/u_erase/token')).status).toBe(200)
    await h.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'acme', userId: 'u_erase' }),
    })
    expect(await countFor('outbox_events', 'u_erase')).toBeGreaterThan(0)
    expect(await countFor('connect_sessions', 'u_erase')).toBe(1)

    const response = await h.call('/v1/users/u_erase', { method: 'DELETE' })
    expect(response.status).toBe(204)
    expect(h.provider.revoked).toContain(acme.refreshToken)
    for (const table of ['connections', 'api_logs', 'connect_sessions', 'outbox_events'] as const)
      expect({ table, rows: await countFor(table, 'u_erase') }).toEqual({ table, rows: 0 })
    // Nothing written after the erasure either: the buffered token-read row went before the logs were erased.
    await h.services.callLog.flush()
    expect(await countFor('api_logs', 'u_erase')).toBe(0)
    expect(await countFor('connections', 'u_keep')).toBe(1)
    expect((await h.call('/v1/connections/acme/u_erase')).status).toBe(404)
  })

  it('takes the user out of a webhook linked to several users, which stays for the others', async () => {
    await appendEvent(h.database.db, {
      type: 'webhook.received',
      userId: null,
      integration: 'acme',
      data: { integration: 'acme', userIds: ['u_shared_a', 'u_shared_b'], body: '{}' },
    })
    expect((await h.call('/v1/users/u_shared_a', { method: 'DELETE' })).status).toBe(204)
    const rows = await h.database.db
      .selectFrom('outbox_events')
      .select('data')
      .where('type', '=', 'webhook.received')
      .execute()
    expect(rows.map((row) => row.data.userIds)).toEqual([['u_shared_b']])
    const listed = (await (await h.call('/v1/events?userId=u_shared_a')).json()) as { data: unknown[] }
    expect(listed.data).toEqual([])
  })

  it('answers 204 for a user it does not know, and 400 for an id that is not one', async () => {
    expect((await h.call('/v1/users/u_never_seen', { method: 'DELETE' })).status).toBe(204)
    const bad = await h.call(`/v1/users/${encodeURIComponent('a b')}`, { method: 'DELETE' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })
})
