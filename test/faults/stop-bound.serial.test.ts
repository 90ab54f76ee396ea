/**
 * SIGTERM ends `junction start` within 10 s even when a service it talks to has gone silent: here Redis, whose
 * connection stays open and never answers (a QUIT that is never acknowledged must not hold the stop), reached
 * through a TCP proxy, never by stopping the shared server.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { type RunningHub, startHub, temporaryDirectory } from '../helpers/cli.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/** A specification, not a measurement. */
const stopMs = 10_000

describe.runIf(inject('redisUrl') !== null)(
  'junction start stopped while Redis is silent',
  { timeout: 120_000 },
  () => {
    let workdir: ReturnType<typeof temporaryDirectory> | undefined
    let tcp: TcpProxy | undefined
    let hub: RunningHub | undefined

    afterEach(async () => {
      if (hub !== undefined && hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL')
      await hub?.exited
      hub = undefined
      tcp?.restore()
      await tcp?.close()
      workdir?.remove()
    })

    it('exits 0 within 10 s', async () => {
      workdir = temporaryDirectory()
      const redis = new URL(inject('redisUrl')!)
      tcp = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
      const viaProxy = new URL(redis)
      viaProxy.port = String(tcp.port)
      hub = await startHub({
        cwd: workdir.path,
        env: { JUNCTION_REDIS_URL: viaProxy.toString(), JUNCTION_SANDBOX: '0' },
        timeoutMs: 60_000,
      })
      const running = hub
      const health = async () => (await (await fetch(`${running.url}/health`)).json()) as { redis?: string }
      for (let n = 0; n < 200 && (await health()).redis !== 'ok'; n++) await new Promise((r) => setTimeout(r, 50))
      expect(await health()).toMatchObject({ redis: 'ok' })
      expect(readFileSync(join(workdir.path, '.junction', 'initial-api-key'), 'utf8')).toMatch(/^jnc_/)

      tcp.stall()
      const stopping = performance.now()
      const code = await running.stop()
      expect(performance.now() - stopping).toBeLessThan(stopMs)
      expect(code).toBe(0)
      expect(running.output()).toContain('"msg":"stopped"')
    })
  },
)
