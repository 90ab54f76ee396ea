/**
 * A refresh whose answer arrives while PostgreSQL is away. The provider here rotates refresh tokens strictly: once it
 * has answered, the old refresh token is dead, and replaying it ends the whole grant. So the answer must not be
 * dropped: the connection keeps working from memory, the write lands once the database is back, and the next refresh
 * sends the new refresh token.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { findConnection } from '../../src/storage/connections-store.js'
import { openDatabase } from '../../src/storage/database.js'
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from '../helpers/connection-harness.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

describe.runIf(postgresAdminUrl() !== null)('a refresh answered during a database outage', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let h: ConnectionHarness
  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    h = await openConnectionHarness({
      name: 'postgres',
      open: async (): Promise<TestDatabase> => ({
        ...(await openDatabase({ backend: 'postgres', url: viaProxy.toString(), poolSize: 5 })),
        url: viaProxy.toString(),
      }),
    })
  })
  afterAll(async () => {
    tcp?.restore()
    await h?.close()
    await tcp?.close()
    await created?.drop()
  })

  it('keeps the rotated tokens, serves them through the outage, writes them after, and refreshes with them', async () => {
    const imported = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'acme',
        userId: 'u_rotating',
        credentials: {
          accessToken: 'expired-access-token',
          refreshToken: h.provider.grant(),
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
        },
      }),
    })
    expect(imported.status).toBe(201)
    const before = await findConnection(h.database.db, 'acme', 'u_rotating')

    // The provider takes 400 ms to answer; the database goes away as soon as the refresh has reached it.
    h.provider.behave({ kind: 'slow', ms: 400 })
    const callsBefore = h.provider.calls.length
    const reading = h.call('/v1/connections/acme/u_rotating/token')
    await vi.waitFor(() => expect(h.provider.calls.length).toBe(callsBefore + 1), { timeout: 10_000, interval: 5 })
    tcp.cut()
    try {
      const first = await reading
      expect(first.status).toBe(200)
      const rotatedAccess = h.provider.issued.at(-1)
      const rotatedRefresh = h.provider.refreshTokens.at(-1)
      expect(await first.json()).toMatchObject({ accessToken: rotatedAccess })

      // Still usable while the database is away, from the tokens held in memory; no second refresh.
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const again = await h.call('/v1/connections/acme/u_rotating/token')
      expect(again.status).toBe(200)
      expect(await again.json()).toMatchObject({ accessToken: rotatedAccess })
      expect(h.provider.calls.length).toBe(callsBefore + 1)
      // A forced refresh now would have to replay a retired refresh token: refused for the moment, not sent.
      const forced = await h.call('/v1/connections/acme/u_rotating/refresh', { method: 'POST' })
      expect(forced.status).toBe(503)
      expect(h.provider.calls.length).toBe(callsBefore + 1)

      await new Promise((resolve) => setTimeout(resolve, 4_000))
      tcp.restore()
      h.provider.behave({ kind: 'ok' })
      await vi.waitFor(
        async () => {
          const stored = await findConnection(h.database.db, 'acme', 'u_rotating')
          expect(stored?.credentials_version).toBe((before?.credentials_version ?? 0) + 1)
        },
        { timeout: 20_000, interval: 100 },
      )

      const refreshed = await h.call('/v1/connections/acme/u_rotating/refresh', { method: 'POST' })
      expect(refreshed.status).toBe(200)
      expect(await refreshed.json()).toMatchObject({ status: 'active' })
      expect(h.provider.calls.at(-1)?.form.refresh_token).toBe(rotatedRefresh)
      const token = await (await h.call('/v1/connections/acme/u_rotating/token')).json()
      expect(token).toMatchObject({ accessToken: h.provider.issued.at(-1) })
    } finally {
      tcp.restore()
    }
  }, 60_000)
})
