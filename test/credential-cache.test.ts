/**
 * The credentials calls use, held in memory: a read in flight while this process deletes or replaces a connection
 * cannot put the old credentials back in the cache, and every change this process makes to a connection (import,
 * connect, a refresh by any path, needs_reauth, delete, erasure, a value that does not open) makes the next call read
 * the row again.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultBackgroundOptions, startBackgroundWork } from '../src/connections/background.js'
import { findConnection } from '../src/storage/connections-store.js'
import { backends } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('credentials held in memory on $name', (backend) => {
  let h: ConnectionHarness

  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(async () => {
    await h.close()
  })

  const importKey = (userId: string, apiKey: string) =>
    h.services.connections.import({ integration: 'keyed', userId, credentials: { apiKey } })
  const keyUsed = async (userId: string) => {
    const { credentials } = await h.services.connections.credentialsForUse('keyed', userId, false)
    return credentials.kind === 'api_key' ? credentials.apiKey : credentials.kind
  }

  it('never serves a connection deleted while a read was in flight', async () => {
    for (let round = 0; round < 20; round++) {
      const userId = `race-delete-${round}`
      await importKey(userId, 'old-key')
      await Promise.allSettled([keyUsed(userId), h.services.connections.delete('keyed', userId)])
      await expect(keyUsed(userId)).rejects.toMatchObject({ code: 'connection_not_found' })
    }
  })

  it('never serves the replaced credentials of a connection imported again while a read was in flight', async () => {
    for (let round = 0; round < 20; round++) {
      const userId = `race-import-${round}`
      await importKey(userId, 'old-key')
      await Promise.all([keyUsed(userId), importKey(userId, 'new-key')])
      expect(await keyUsed(userId)).toBe('new-key')
    }
  })

  it('forgets a token whose refresh, made beside the service, ended the connection', async () => {
    // A refresh token the provider does not know: the refresh ends in needs_reauth.
    await h.services.connections.import({
      integration: 'acme',
      userId: 'keep-alive',
      credentials: {
        accessToken: 'cached-token',
        refreshToken: 'unknown-refresh-token',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    })
    const first = await h.services.connections.credentialsForUse('acme', 'keep-alive', false)
    expect(first.credentials).toMatchObject({ accessToken: 'cached-token' })
    const row = await findConnection(h.database.db, 'acme', 'keep-alive')
    // As the background keep-alive does: the connection's state alone, not through the connection service.
    await expect(
      h.services.connectionState.keepAlive(row!, h.services.integrations.get('acme')!),
    ).rejects.toMatchObject({ code: 'connection_needs_reauth' })
    await expect(h.services.connections.credentialsForUse('acme', 'keep-alive', false)).rejects.toMatchObject({
      code: 'connection_needs_reauth',
    })
  })

  describe('every change this process makes is seen by the next call', () => {
    const tokenUsed = async (userId: string) => {
      const { credentials } = await h.services.connections.credentialsForUse('acme', userId, false)
      return credentials.kind === 'oauth2' ? credentials.accessToken : credentials.kind
    }
    const importToken = async (userId: string, accessToken: string) => {
      await h.services.connections.import({
        integration: 'acme',
        userId,
        credentials: {
          accessToken,
          refreshToken: h.provider.grant(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      })
      // Held in memory from here on: only a forget makes the next call read the row.
      expect(await tokenUsed(userId)).toBe(accessToken)
      expect(await tokenUsed(userId)).toBe(accessToken)
    }
    const lastIssued = () => h.provider.issued.at(-1)

    it('an import', async () => {
      await importToken('seen-import', 'held')
      await h.services.connections.import({
        integration: 'acme',
        userId: 'seen-import',
        credentials: { accessToken: 'next' },
      })
      expect(await tokenUsed('seen-import')).toBe('next')
    })

    it('a connect', async () => {
      await importToken('seen-connect', 'held')
      await h.services.connections.saveTokens('acme', 'seen-connect', {
        accessToken: 'connected',
        refreshToken: undefined,
        tokenType: 'bearer',
        expiresAt: undefined,
        scopes: undefined,
        providerAccountId: undefined,
        metadata: {},
        raw: { access_token: 'connected' } as never,
      })
      expect(await tokenUsed('seen-connect')).toBe('connected')
    })

    it('a refresh by POST …/refresh', async () => {
      await importToken('seen-post', 'held')
      expect((await h.call('/v1/connections/acme/seen-post/refresh', { method: 'POST' })).status).toBe(200)
      expect(await tokenUsed('seen-post')).toBe(lastIssued())
    })

    it('a forced refresh (a 401 through the proxy)', async () => {
      await importToken('seen-forced', 'held')
      await h.services.connections.credentialsForUse('acme', 'seen-forced', true)
      expect(await tokenUsed('seen-forced')).toBe(lastIssued())
    })

    it('a refresh by the background keep-alive', async () => {
      await importToken('seen-keep-alive', 'held')
      await sql`update connections set last_refreshed_at = now() - interval '8 days', created_at = now() - interval '8 days'
        where user_id = 'seen-keep-alive'`.execute(h.database.db)
      const work = startBackgroundWork({
        db: h.database.db,
        state: h.services.connectionState,
        revoker: h.services.revoker,
        integrations: h.services.integrations,
        logger: capturedLogger().logger,
        options: defaultBackgroundOptions,
      })
      try {
        expect((await work.runOnce()).keptAlive).toBeGreaterThanOrEqual(1)
      } finally {
        await work.stop()
      }
      expect(await tokenUsed('seen-keep-alive')).toBe(lastIssued())
    })

    it('a refresh the provider refuses (needs_reauth)', async () => {
      await importToken('seen-refused', 'held')
      h.provider.behave({ kind: 'status', status: 400, body: { error: 'invalid_grant' } })
      try {
        expect((await h.call('/v1/connections/acme/seen-refused/refresh', { method: 'POST' })).status).toBe(409)
      } finally {
        h.provider.behave({ kind: 'ok' })
      }
      await expect(tokenUsed('seen-refused')).rejects.toMatchObject({ code: 'connection_needs_reauth' })
    })

    it('a delete', async () => {
      await importToken('seen-delete', 'held')
      expect((await h.call('/v1/connections/acme/seen-delete', { method: 'DELETE' })).status).toBe(204)
      await expect(tokenUsed('seen-delete')).rejects.toMatchObject({ code: 'connection_not_found' })
    })

    it("the erasure of the connection's user", async () => {
      await importToken('seen-erasure', 'held')
      expect((await h.call('/v1/users/seen-erasure', { method: 'DELETE' })).status).toBe(204)
      await expect(tokenUsed('seen-erasure')).rejects.toMatchObject({ code: 'connection_not_found' })
    })

    it("the erasure of the connection's user, when its row had lost its credentials meanwhile", async () => {
      await importToken('seen-erasure-bare', 'held')
      // Changed by another process: the held credentials still serve, until this process erases the user.
      await sql`update connections set credentials = null where user_id = 'seen-erasure-bare'`.execute(h.database.db)
      expect(await tokenUsed('seen-erasure-bare')).toBe('held')
      expect((await h.call('/v1/users/seen-erasure-bare', { method: 'DELETE' })).status).toBe(204)
      await expect(tokenUsed('seen-erasure-bare')).rejects.toMatchObject({ code: 'connection_not_found' })
    })

    it('a value that does not open, found by a token read', async () => {
      await importToken('seen-unreadable', 'held')
      await importToken('seen-other', 'other')
      await sql`update connections set credentials = (select credentials from connections where user_id = 'seen-other')
        where user_id = 'seen-unreadable'`.execute(h.database.db)
      await expect(h.services.connections.token('acme', 'seen-unreadable')).rejects.toMatchObject({
        code: 'connection_needs_reauth',
      })
      await expect(tokenUsed('seen-unreadable')).rejects.toMatchObject({ code: 'connection_needs_reauth' })
    })
  })
})
