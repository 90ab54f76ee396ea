/** The hub's own rounds: keeping idle refresh tokens alive, retrying owed revocations, forgetting old call logs. */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BackgroundOptions, defaultBackgroundOptions, startBackgroundWork } from '../src/connections/background.js'
import { insertCallLogs, queuedCallLog } from '../src/storage/api-logs-store.js'
import { backends } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.each(backends())('background rounds on $name', (backend) => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backend)
  })
  afterAll(() => h.close())

  const startWork = (options: Partial<BackgroundOptions>) =>
    startBackgroundWork({
      db: h.database.db,
      state: h.services.connectionState,
      revoker: h.services.revoker,
      integrations: h.services.integrations,
      logger: capturedLogger().logger,
      options: { ...defaultBackgroundOptions, ...options },
    })

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

    const work = startWork({ keepAliveAfterMs: 7 * 86_400_000, batchSize: 20 })
    try {
      expect(await work.runOnce()).toMatchObject({ keptAlive: 1, revoked: 1 })
      const idle = await h.database.db
        .selectFrom('connections')
        .select('last_refreshed_at')
        .where('user_id', '=', 'u_idle')
        .executeTakeFirstOrThrow()
      expect(Date.now() - (idle.last_refreshed_at?.getTime() ?? 0)).toBeLessThan(60_000)
      expect(await work.runOnce()).toMatchObject({ keptAlive: 0, revoked: 0 })
    } finally {
      await work.stop()
    }
  })

  it('forgets call-log rows past their retention, in batches, and keeps the rest', async () => {
    for (let n = 0; n < 7; n++) {
      await insertCallLogs(h.database.db, [
        queuedCallLog({
          requestId: `r-${n}`,
          userId: null,
          integration: 'retention',
          provider: 'acme',
          endpoint: `/${n}`,
          method: 'GET',
          statusCode: 200,
          responseTimeMs: 1,
          errorMessage: null,
        }),
      ])
    }
    await sql`update api_logs set created_at = now() - interval '31 days' where integration = 'retention' and endpoint <> '/6'`.execute(
      h.database.db,
    )
    // Batches of 2, at most 2 a round: the 6 old rows take two rounds.
    const work = startWork({ callLogs: { keepMs: 30 * 86_400_000, batchSize: 2, maxBatches: 2 } })
    try {
      expect((await work.runOnce()).logsPruned).toBe(4)
      expect((await work.runOnce()).logsPruned).toBe(2)
      expect((await work.runOnce()).logsPruned).toBe(0)
      const left = await h.database.db
        .selectFrom('api_logs')
        .select('endpoint')
        .where('integration', '=', 'retention')
        .execute()
      expect(left).toEqual([{ endpoint: '/6' }])
    } finally {
      await work.stop()
    }
  })
})
