/**
 * Two `junction start` processes on one PostgreSQL database receive the same 500 webhook deliveries, each sent to
 * both at once (as a provider retrying through a load balancer would): exactly 500 `webhook.received` events are
 * stored, one per delivery, because the dedup key is unique in the database, not in a process's memory.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { postgresAdminUrl } from './helpers/backends.js'
import { runJunction, startHub, stopStartedHubs, temporaryDirectory } from './helpers/cli.js'
import { createPostgresDatabase } from './helpers/postgres-admin.js'

const secret = `whsec_${Buffer.from('two-hubs-webhook-secret-32bytes!').toString('base64')}`
const deliveries = 500
const inFlight = 25

describe.runIf(postgresAdminUrl() !== null)('webhooks received by two hubs on one PostgreSQL', () => {
  afterEach(() => stopStartedHubs())

  it('stores each of 500 deliveries once though both hubs received every one of them at the same time', async () => {
    const workdir = temporaryDirectory()
    const database = await createPostgresDatabase(postgresAdminUrl()!)
    try {
      const config = join(workdir.path, 'junction.config.json')
      writeFileSync(
        config,
        JSON.stringify({
          providers: {
            hooks: {
              auth: { type: 'api_key', header: 'x-api-key' },
              api: { baseUrl: 'https://api.hooks.example' },
              webhooks: { scheme: 'standard-webhooks' },
            },
          },
          integrations: { hooks: { provider: 'hooks', webhookSecret: secret } },
        }),
      )
      const env = {
        JUNCTION_DATABASE_URL: database.url,
        JUNCTION_DATA_DIR: join(workdir.path, 'data'),
        JUNCTION_CONFIG: config,
      }
      const hubs = await Promise.all([startHub({ cwd: workdir.path, env }), startHub({ cwd: workdir.path, env })])
      const key = (await runJunction(['keys', 'create', 'two-hubs'], { cwd: workdir.path, env })).stdout.trim()

      const answers: string[] = []
      let next = 0
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let index = next++; index < deliveries; index = next++) {
            const id = `msg_two_hubs_${index}`
            const body = JSON.stringify({ type: 'thing.happened', index })
            const now = new Date()
            const headers = {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
              'webhook-signature': new Webhook(secret).sign(id, now, body),
            }
            const pair = await Promise.all(
              hubs.map(async (hub) => {
                const response = await fetch(`${hub.url}/webhooks/hooks`, { method: 'POST', headers, body })
                return `${response.status} ${await response.text()}`
              }),
            )
            answers.push(...pair)
          }
        }),
      )
      // Every delivery was answered 200 by both: once stored, once a duplicate (whichever hub came first).
      const tally = new Map<string, number>()
      for (const answer of answers) tally.set(answer, (tally.get(answer) ?? 0) + 1)
      expect(Object.fromEntries(tally)).toEqual({
        '200 {"received":true}': deliveries,
        '200 {"duplicate":true}': deliveries,
      })

      const stored: string[] = []
      let cursor: string | null = null
      for (;;) {
        const query: string = `type=webhook.received&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`
        const response = await fetch(`${hubs[0].url}/v1/events?${query}`, {
          headers: { authorization: `Bearer ${key}` },
        })
        const page = (await response.json()) as {
          data: Array<{ data: { providerEventId: string } }>
          nextCursor: string | null
        }
        if (page.data.length === 0) break
        stored.push(...page.data.map((event) => event.data.providerEventId))
        cursor = page.nextCursor
      }
      expect(stored).toHaveLength(deliveries)
      expect(new Set(stored).size).toBe(deliveries)
    } finally {
      await stopStartedHubs()
      await database.drop()
      workdir.remove()
    }
  })
})
