/**
 * Remakes the README's two pictures from a real hub: docs/dashboard.png (the sandbox integration's page, 1280×800
 * window) and docs/call-log-detail.png (a failed call's detail, the whole page at 1280 wide).
 *
 *   npm run build && node --import tsx scripts/readme-screenshots.ts
 *
 * It starts `junction start` (bin/junction.js, so build first) in development on a temporary data dir with the
 * sandbox on PGlite, its API answering half the attempts 503 (the config file's `sandbox.faults`), on port 3003 when
 * it is free (the README's URLs) or any free port. It connects the sandbox account as u_1 (a connect session, then
 * Approve on the consent page), makes proxied calls until one has failed after retries, signs in to the dashboard with
 * the first API key in Debian's Chromium (playwright-core; JUNCTION_TEST_CHROMIUM for another path) and takes both
 * pictures, refusing any page that shows the key or the sandbox's access token. Whatever happens, it stops the
 * browser and the hub and removes the data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { request } from 'undici'
import { launchChromium } from '../test/helpers/chromium.js'
import { childEnv, freePort, junctionBin, temporaryDirectory } from '../test/helpers/cli.js'

const docs = resolve(import.meta.dirname, '../docs')
const userId = 'u_1'
/** How long the hub may take to answer /health on its first start (it creates the database). */
const startTimeoutMs = 60_000
/** How long to wait for the failed call's row (call logs are written in batches, within a second). */
const logTimeoutMs = 15_000
/** Proxied calls at least, and at most while waiting for one that failed after retries. */
const minCalls = 40
const maxCalls = 300
/** The pause between proxied calls, so that they seldom wait for the sandbox's rate limit (10/s). */
const callGapMs = 120

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)))
  })
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await probe().catch(() => undefined)
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  child.kill('SIGTERM')
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
  return exited.finally(() => clearTimeout(kill))
}

interface LogRow {
  id: string
  method: string
  path: string
  status: number | null
  attempts: number
}

/** The proxied calls: mostly reads, some item creations, and a path the sandbox does not have (a 404). */
function callFor(n: number): { method: string; path: string; body?: string } {
  if (n % 11 === 5) return { method: 'GET', path: '/items/item_42' }
  if (n % 7 === 3) return { method: 'POST', path: '/items', body: JSON.stringify({ name: `item ${n}` }) }
  return { method: 'GET', path: n % 2 === 0 ? '/me' : '/items?limit=5' }
}

async function main(): Promise<void> {
  const workdir = temporaryDirectory('junction-screenshots-')
  let hub: ChildProcess | undefined
  let browser: Browser | undefined
  const stopAll = async () => {
    await browser?.close().catch(() => undefined)
    if (hub !== undefined) await stopChild(hub)
    workdir.remove()
  }
  const interrupted = () => void stopAll().finally(() => process.exit(130))
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted)
  try {
    const port = (await portIsFree(3003)) ? 3003 : await freePort()
    const api = `http://127.0.0.1:${port}`
    const site = `http://localhost:${port}`
    writeFileSync(
      join(workdir.path, 'junction.config.json'),
      JSON.stringify({ sandbox: { faults: { errorRate: 0.5 } } }),
    )
    const dataDir = join(workdir.path, '.junction')
    let output = ''
    hub = spawn(process.execPath, [junctionBin, 'start', '--port', String(port)], {
      cwd: workdir.path,
      env: childEnv({ JUNCTION_DATA_DIR: dataDir }),
    })
    hub.stdout?.on('data', (chunk) => {
      output += chunk
    })
    hub.stderr?.on('data', (chunk) => {
      output += chunk
    })
    const exited = hub
    await until('junction start answering /health', startTimeoutMs, async () => {
      if (exited.exitCode !== null) return 'exited'
      return (await fetch(`${api}/health`)).status === 200 ? 'healthy' : undefined
    }).then((state) => {
      if (state === 'exited') throw new Error(`junction start exited with ${exited.exitCode}: ${output}`)
    })
    const key = readFileSync(join(dataDir, 'initial-api-key'), 'utf8').trim()
    const asAdmin = (path: string, init: RequestInit = {}) =>
      fetch(`${api}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      })

    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()

    // Connect the sandbox account as u_1, as the README's walkthrough does: a connect session, then Approve.
    const session = await asAdmin('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'sandbox', userId }),
    })
    if (session.status !== 201) throw new Error(`POST /v1/connect-sessions answered ${session.status}`)
    await page.goto(((await session.json()) as { url: string }).url)
    await page.click('button[value=approve]')
    await until('the sandbox connection', 10_000, async () =>
      (await asAdmin(`/v1/connections/sandbox/${userId}`)).ok ? true : undefined,
    )
    const token = await asAdmin(`/v1/connections/sandbox/${userId}/token`)
    const { accessToken } = (await token.json()) as { accessToken: string }

    // Proxied calls, one at a time, until one has failed after retries (each attempt fails with odds of one half).
    // undici's request sends only the headers given (fetch adds its own, which the call detail would list).
    let calls = 0
    let failedAfterRetries = false
    while (calls < maxCalls && (calls < minCalls || !failedAfterRetries)) {
      const call = callFor(calls++)
      const answer = await request(`${api}/v1/proxy/sandbox${call.path}`, {
        method: call.method as 'GET' | 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'junction-user-id': userId,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: call.body }),
      })
      await answer.body.dump()
      if (answer.statusCode === 503 && Number(answer.headers['junction-attempts']) > 1) failedAfterRetries = true
      await new Promise((done) => setTimeout(done, callGapMs))
    }
    if (!failedAfterRetries) throw new Error(`no call failed after retries in ${calls} calls`)
    const failed = await until('the failed call in /v1/logs', logTimeoutMs, async () => {
      const listed = await asAdmin('/v1/logs?integration=sandbox&status=503&limit=100')
      const rows = ((await listed.json()) as { data: LogRow[] }).data.filter((row) => row.attempts > 1)
      return rows.sort((a, b) => b.attempts - a.attempts)[0]
    })
    // The health and chart figures come from the same rows: let the last batch land.
    await until('every call in /v1/logs', logTimeoutMs, async () => {
      const listed = await asAdmin('/v1/logs?integration=sandbox&limit=500')
      return ((await listed.json()) as { data: unknown[] }).data.length >= calls ? true : undefined
    })

    const checkedShot = async (target: Page, file: string, fullPage: boolean) => {
      const html = await target.content()
      if (html.includes(key) || html.includes(accessToken)) throw new Error(`${file}: the page shows a secret`)
      await target.screenshot({ path: join(docs, file), fullPage })
      console.log(`wrote docs/${file}`)
    }

    await page.goto(`${site}/`)
    await page.waitForURL(/\/sign-in/)
    await page.fill('#key', key)
    await page.click('button[type=submit]')
    await page.waitForSelector('h1:text("Integrations")')

    await page.goto(`${site}/integrations/sandbox`)
    await page.waitForSelector('svg.chart rect.calls')
    await checkedShot(page, 'dashboard.png', false)

    await page.goto(`${site}/logs/${failed.id}`)
    await page.waitForSelector('h1:text("Call")')
    await checkedShot(page, 'call-log-detail.png', true)
    console.log(`${calls} calls; the detail is ${failed.method} ${failed.path}, ${failed.attempts} attempts`)
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted)
    await stopAll()
  }
}

await main()
