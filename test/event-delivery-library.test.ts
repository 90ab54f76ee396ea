/**
 * Events out through `createJunction()` (docs/library.md): the library starts the delivery worker like `junction
 * start`, development generates the events secret into the data dir (mode 0600, named once in the log, never
 * shown), production refuses an `events.url` without a secret, and `close()` stops delivery.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../src/core/logger.js'
import { createJunction, isConfigError, type Junction } from '../src/index.js'
import { verifyJunctionEvent } from '../src/webhooks/index.js'
import { temporaryDirectory } from './helpers/cli.js'
import { type EventReceiver, startEventReceiver } from './helpers/event-receiver.js'

const encryptionKeys = `k1:${Buffer.alloc(32, 7).toString('base64')}`

async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('events out through createJunction', () => {
  let workdir: ReturnType<typeof temporaryDirectory>
  let receiver: EventReceiver
  let junction: Junction | undefined

  beforeEach(async () => {
    workdir = temporaryDirectory()
    receiver = await startEventReceiver()
  })
  afterEach(async () => {
    await junction?.close()
    junction = undefined
    await receiver.close()
    workdir.remove()
  })

  it('in development, generates the events secret once (mode 0600, named once in the log) and signs events with it', async () => {
    const lines: string[] = []
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } })
    const dataDir = join(workdir.path, 'data')
    const open = () =>
      createJunction({
        config: { publicUrl: 'http://127.0.0.1:3999', events: { url: receiver.url } },
        dataDir,
        mode: 'development',
        basePath: '/',
        logger,
      })
    junction = await open()
    const file = join(dataDir, 'events-secret')
    const secret = readFileSync(file, 'utf8').trim()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)

    await junction.connections.import({ integration: 'sandbox', userId: 'u_1', credentials: { accessToken: 't' } })
    const request = await eventually(() => receiver.requests[0])
    const event = await verifyJunctionEvent(
      new Request(receiver.url, { method: 'POST', headers: request.headers, body: request.body }),
      secret,
    )
    expect(event).toMatchObject({ type: 'connection.created', data: { integration: 'sandbox', userId: 'u_1' } })

    // The hub's own figures: /metrics and /v1/health/integrations count the delivery once it is recorded.
    const key = readFileSync(join(dataDir, 'initial-api-key'), 'utf8').trim()
    const get = (path: string) =>
      junction!.handle(new Request(`http://127.0.0.1:3999${path}`, { headers: { authorization: `Bearer ${key}` } }))
    const health = await eventually(async () => {
      const report = (await (await get('/v1/health/integrations')).json()) as {
        data: Array<{ integration: string; events: unknown }>
      }
      const sandbox = report.data.find((entry) => entry.integration === 'sandbox')
      return (sandbox?.events as { delivered?: number } | undefined)?.delivered === 1 ? sandbox : undefined
    })
    expect(health.events).toEqual({ delivered: 1, failedAttempts: 0, dead: 0 })
    const metrics = await (await get('/metrics')).text()
    expect(metrics).toContain('junction_events_delivered_total{integration="sandbox"} 1')
    expect(metrics).toMatch(/^junction_events_oldest_pending_age_seconds \S+$/m)

    await junction.close()
    junction = undefined
    const sent = receiver.requests.length
    // A second opening keeps the same secret and says nothing more about it.
    junction = await open()
    expect(readFileSync(file, 'utf8').trim()).toBe(secret)
    await junction.close()
    junction = undefined
    expect(lines.filter((line) => line.includes('generated a development events secret'))).toHaveLength(1)
    expect(lines.join('\n')).not.toContain(secret.slice('whsec_'.length, 20))
    expect(receiver.requests).toHaveLength(sent)
  })

  it('in production, refuses events.url without an events secret, naming the option', async () => {
    const error = await createJunction({
      config: { publicUrl: 'https://app.example/junction', events: { url: receiver.url } },
      dataDir: join(workdir.path, 'data'),
      encryptionKeys,
      mode: 'production',
      basePath: '/junction',
    }).catch((caught: unknown) => caught)
    expect(isConfigError(error)).toBe(true)
    expect((error as Error).message).toMatch(
      /^config error at eventsSecret: required in production once events\.url is set/,
    )
  })
})
