/**
 * Integration alerts (docs/configuration.md, "alerts"): a sandbox provider whose faults are switched on and off drives
 * an integration to `integration.degraded` and back to `integration.recovered`, once per change, not again after a
 * restart, and once between two hubs on one database; on both database backends.
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/config.js'
import { composeHub } from '../src/hub/compose.js'
import type { Hub } from '../src/hub/hub.js'
import { type AlertChange, alertThresholdsOf, createAlertWatch } from '../src/logs/alert-watch.js'
import { createSandboxApp } from '../src/sandbox/sandbox-app.js'
import { createSandboxTokens } from '../src/sandbox/sandbox-tokens.js'
import { migrateToLatest } from '../src/storage/migrate.js'
import { createVault } from '../src/vault/vault.js'
import { backends, type TestDatabase } from './helpers/backends.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { temporaryDirectory } from './helpers/cli.js'

const windowMs = 300_000

/** A sandbox on a real socket whose injected 503s are on or off: its fault roll is ours to set. */
async function startFlakySandbox(secret: Buffer) {
  const state = { failing: false }
  const app = createSandboxApp(
    secret,
    { faults: { errorRate: 0.5 }, rateLimit: { requestsPerSecond: 10_000, burst: 10_000 } },
    undefined,
    () => (state.failing ? 0 : 0.99),
  )
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
  })
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe.each(backends())('integration alerts on $name', (backend) => {
  const secret = randomBytes(32)
  const dataDir = temporaryDirectory()
  let sandbox: Awaited<ReturnType<typeof startFlakySandbox>>
  let database: TestDatabase
  let hub: Hub
  let key: string

  beforeAll(async () => {
    sandbox = await startFlakySandbox(secret)
    database = await backend.open()
    await migrateToLatest(database)
    const options = loadConfig({
      cwd: dataDir.path,
      env: { JUNCTION_DATA_DIR: dataDir.path, JUNCTION_SANDBOX: '0' },
      file: {
        eventsSecret: `whsec_${randomBytes(32).toString('base64')}`,
        // The top level says every integration's thresholds; `flaky` changes two of them.
        alerts: { errorRate: 0.9, p95Ms: 60_000, minCalls: 100 },
        providers: {
          flaky: {
            auth: {
              type: 'oauth2',
              authorizeUrl: `${sandbox.url}/oauth/authorize`,
              tokenUrl: `${sandbox.url}/oauth/token`,
            },
            api: { baseUrl: `${sandbox.url}/api` },
          },
        },
        integrations: {
          flaky: { provider: 'flaky', clientId: 'c', clientSecret: 's', alerts: { errorRate: 0.5, minCalls: 6 } },
        },
      },
    })
    const vault = createVault([{ id: 'k1', key: randomBytes(32) }])
    hub = composeHub({
      options,
      logger: capturedLogger().logger,
      database,
      keys: () => ({ vault, vaultKeys: { keys: [], developmentFile: undefined } }),
      tuning: { callLog: { flushIntervalMs: 20 } },
      proxy: { egress: { allowHttp: true, allowPrivateNetworks: true } },
      closeParts: () => database.close(),
    })
    key = (await hub.apiKeys.create('alerts')).key
    const accessToken = createSandboxTokens(secret).issue({
      kind: 'access',
      grant: 'g',
      user: 'u_1',
      scope: 'items:read',
      exp: Date.now() / 1000 + 3_600,
    }).token
    const imported = await call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'flaky', userId: 'u_1', credentials: { accessToken } }),
    })
    expect(imported.status).toBe(201)
  })
  afterAll(async () => {
    await hub?.close()
    await sandbox?.close()
    dataDir.remove()
  })

  function call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${key}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    return Promise.resolve(hub.app().request(path, { ...init, headers }))
  }

  /** `count` calls through the proxy, each sent once (a 503 is not retried), then written to the call log. */
  async function callSandbox(count: number, expectedStatus: number) {
    for (let n = 0; n < count; n++) {
      const response = await call('/v1/proxy/flaky/me', {
        headers: { 'junction-user-id': 'u_1', 'junction-retries': '0' },
      })
      expect(response.status).toBe(expectedStatus)
      await response.arrayBuffer()
    }
    await hub.services.callLog.flush()
  }

  /** The clock the watches judge by: moving it moves the window past older calls. */
  let now = () => Date.now()
  const watch = () =>
    createAlertWatch({
      db: database.db,
      integrations: hub.services.integrations,
      thresholds: alertThresholdsOf(hub.options.alerts),
      logger: hub.logger,
      options: { windowMs },
      now: () => now(),
    })
  /** Two hubs' watches judging at the same time: the changes each recorded. */
  const twoHubsRound = async () => (await Promise.all([watch().runOnce(), watch().runOnce()])).flat()
  const events = async (type: string) =>
    ((await (await call(`/v1/events?type=${type}`)).json()) as { data: Array<{ type: string; data: unknown }> }).data

  it('announces nothing while the calls go well', async () => {
    await callSandbox(6, 200)
    expect(await twoHubsRound()).toEqual([])
  })

  it('announces integration.degraded once when injected faults cross the error rate', async () => {
    sandbox.state.failing = true
    await callSandbox(6, 503)
    const changes: AlertChange[] = await twoHubsRound()
    expect(changes.map((change) => change.type)).toEqual(['integration.degraded'])
    const listed = await events('integration.degraded')
    expect(listed).toHaveLength(1)
    expect(listed[0]!.data).toEqual({
      integration: 'flaky',
      provider: 'flaky',
      status: 'degraded',
      reasons: ['error_rate'],
      window: { seconds: 300, calls: 12, errors: 6, errorRate: 0.5, p95Ms: expect.any(Number) },
      thresholds: { errorRate: 0.5, p95Ms: 60_000, minCalls: 6 },
    })
    // Still failing: nothing new, from either hub, nor from a hub started afresh over the same database.
    await callSandbox(2, 503)
    expect(await twoHubsRound()).toEqual([])
    expect(await watch().runOnce()).toEqual([])
    expect(await events('integration.degraded')).toHaveLength(1)
  })

  it('shows the degraded state on the dashboard', async () => {
    const states = await watch().states()
    expect(states.get('flaky')).toMatchObject({ status: 'degraded', changes: 1 })
  })

  it('announces integration.recovered once when the faults stop', async () => {
    sandbox.state.failing = false
    const recoveredFrom = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 5))
    await callSandbox(6, 200)
    // The window now starts after the failures: only the good calls are in it.
    now = () => recoveredFrom + windowMs
    const changes = await twoHubsRound()
    expect(changes.map((change) => change.type)).toEqual(['integration.recovered'])
    expect(changes[0]!.data).toMatchObject({ status: 'healthy', reasons: [], window: { calls: 6, errors: 0 } })
    expect(await twoHubsRound()).toEqual([])
    expect(await watch().runOnce()).toEqual([])
    expect(await events('integration.recovered')).toHaveLength(1)
    expect(await events('integration.degraded')).toHaveLength(1)
  })

  it('runs in the hub background, on the configured thresholds', async () => {
    now = () => Date.now()
    sandbox.state.failing = true
    await callSandbox(12, 503)
    const background = hub.startBackground(undefined, undefined, { everyMs: 20 })
    try {
      await expect
        .poll(async () => (await events('integration.degraded')).length, { timeout: 20_000, interval: 50 })
        .toBe(2)
    } finally {
      await background.stop()
    }
  })
})
