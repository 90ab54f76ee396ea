/** The hub's own rounds: keeping idle refresh tokens alive, and retrying owed revocations. */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBackgroundWork } from '../src/connections/background.js'
import { backends } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('background rounds on $name', (backend) => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(() => h.close())

  it('refreshes connections idle for a week, and retries revocations that are due', async () => {
    const importOne = (userId: string) =>
      h.call('/v1/connections', {
        method: 'POST',
        body: JSON.stringify({
          integration: 'acme',
          userId,
          credentials: {
            accessToken: 'a',
            refreshToken: h.provider.grant(),
            expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          },
        }),
      })
    await importOne('u_idle')
    await importOne('u_busy')
    await h.database.db
      .updateTable('connections')
      .set({ last_refreshed_at: sql<Date>`now() - interval '8 days'` })
      .where('user_id', '=', 'u_idle')
      .execute()
    await sql`update connections set created_at = now() - interval '8 days' where user_id = 'u_idle'`.execute(
      h.database.db,
    )

    h.provider.behave({ kind: 'status', status: 503 })
    await importOne('u_gone')
    await h.call('/v1/connections/acme/u_gone', { method: 'DELETE' })
    h.provider.behave({ kind: 'ok' })

    const work = startBackgroundWork({
      db: h.database.db,
      vault: h.vault,
      refresher: h.services.refresher,
      revoker: h.services.revoker,
      integrations: h.services.integrations,
      logger: capturedLogger().logger,
      options: { everyMs: 60_000, keepAliveAfterMs: 7 * 86_400_000, batchSize: 20 },
    })
    try {
      expect(await work.runOnce()).toEqual({ keptAlive: 1, revoked: 1 })
      const idle = await h.database.db
        .selectFrom('connections')
        .select('last_refreshed_at')
        .where('user_id', '=', 'u_idle')
        .executeTakeFirstOrThrow()
      expect(Date.now() - (idle.last_refreshed_at?.getTime() ?? 0)).toBeLessThan(60_000)
      expect(await work.runOnce()).toEqual({ keptAlive: 0, revoked: 0 })
    } finally {
      await work.stop()
    }
  })
})
