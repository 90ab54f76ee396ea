/**
 * The credentials calls use, held in memory: a read in flight while this process deletes or replaces a connection
 * cannot put the old credentials back in the cache, and a refresh done beside the service (the background
 * keep-alive) that ends the connection's token is seen at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findConnection } from '../src/storage/connections-store.js'
import { backends } from './helpers/backends.js'
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
    // As the background keep-alive does: the refresher alone, not through the connection service.
    await expect(h.services.refresher.fresh(row!, h.services.integrations.get('acme')!, true)).rejects.toMatchObject({
      code: 'connection_needs_reauth',
    })
    await expect(h.services.connections.credentialsForUse('acme', 'keep-alive', false)).rejects.toMatchObject({
      code: 'connection_needs_reauth',
    })
  })
})
