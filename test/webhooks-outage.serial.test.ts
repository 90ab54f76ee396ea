/**
 * Webhooks while PostgreSQL is cut off for 5 seconds (through a TCP proxy, never the shared server): a delivery is
 * answered 200 only once its event is committed, so every 200 is found stored afterwards; the others are answered
 * 503 `unavailable`, so that the provider retries; none is answered 500 (docs/http-api.md, "Webhooks").
 */
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/storage/database.js'
import { type Backend, createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const secret = `whsec_${Buffer.from('outage-test-webhook-secret-32by!').toString('base64')}`
const deliveries = 600
const concurrency = 10
/** Paced so that the run spans the outage (about 12 s at this rate, if the machine keeps up). */
const perSecond = 50
const cutAfterMs = 2_000
const outageMs = 5_000

interface Outcome {
  id: string
  status: number
  code: string | null
}

describe.runIf(postgresAdminUrl() !== null)('webhooks while PostgreSQL is cut off', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>
  let tcp: TcpProxy
  let h: ConnectionHarness
  const poolLog = capturedLogger()

  beforeAll(async () => {
    created = await createPostgresDatabase(postgresAdminUrl()!)
    const direct = new URL(created.url)
    tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(created.url)
    viaProxy.port = String(tcp.port)
    const throughProxy: Backend = {
      name: 'postgres',
      open: async () => ({
        ...(await openDatabase({ backend: 'postgres', url: viaProxy.toString(), poolSize: 5 }, poolLog.logger)),
        url: viaProxy.toString(),
      }),
    }
    h = await openConnectionHarness(throughProxy, {
      providers: {
        hooks: {
          auth: { type: 'api_key', header: 'x-api-key' },
          api: { baseUrl: 'https://api.hooks.example' },
          webhooks: { scheme: 'standard-webhooks' },
        },
      },
      integrations: { hooks: { provider: 'hooks', webhookSecret: secret } },
    })
  })
  afterAll(async () => {
    tcp.restore()
    await h.close()
    await tcp.close()
    await created.drop()
  })

  async function deliver(index: number): Promise<Outcome> {
    const id = `msg_outage_${index}`
    const body = JSON.stringify({ type: 'thing.happened', index })
    const now = new Date()
    const response = await h.app.request('/webhooks/hooks', {
      method: 'POST',
      body,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      },
    })
    await response.arrayBuffer()
    return { id, status: response.status, code: response.headers.get('junction-error') }
  }

  it('stores every delivery it answered 200, answers the others 503 unavailable, and never 500', async () => {
    const started = Date.now()
    const outcomes: Outcome[] = []
    let next = 0
    const cut = setTimeout(() => tcp.cut(), cutAfterMs)
    const restore = setTimeout(() => tcp.restore(), cutAfterMs + outageMs)
    try {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let index = next++; index < deliveries; index = next++) {
            const due = started + (index * 1000) / perSecond
            if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
            outcomes.push(await deliver(index))
          }
        }),
      )
    } finally {
      clearTimeout(cut)
      clearTimeout(restore)
      tcp.restore()
    }

    const answered = outcomes.filter((outcome) => outcome.status === 200)
    const refused = outcomes.filter((outcome) => outcome.status !== 200)
    expect(outcomes).toHaveLength(deliveries)
    expect(refused.every((outcome) => outcome.status === 503 && outcome.code === 'unavailable')).toBe(true)
    // The run spanned the outage: some deliveries met it, and most did not.
    expect(refused.length).toBeGreaterThan(0)
    expect(answered.length).toBeGreaterThan(deliveries / 3)

    // Counted straight in the database, not through the hub.
    const direct = await openDatabase({ backend: 'postgres', url: created.url, poolSize: 1 })
    try {
      const rows = await direct.db
        .selectFrom('outbox_events')
        .select((eb) => eb.ref('data', '->>').key('providerEventId').as('providerEventId'))
        .where('type', '=', 'webhook.received')
        .execute()
      const stored = new Set(rows.map((row) => row.providerEventId))
      expect(stored.size).toBe(rows.length)
      expect(answered.filter((outcome) => !stored.has(outcome.id))).toEqual([])
      console.info(
        `webhooks through a 5 s PostgreSQL cut: ${answered.length} answered 200 (all stored), ` +
          `${refused.length} answered 503, ${rows.length} stored in all, in ${Date.now() - started} ms`,
      )
    } finally {
      await direct.close()
    }
  })
})
