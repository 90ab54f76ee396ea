/**
 * The call logs in real headless Chromium, against a hub on a real socket: filter the list with the form (the filter
 * lands in the address, to share), open a failed call's detail with its attempts, headers and error body, and see an
 * integration's chart (with its hover titles) and a quiet one's empty state. At a laptop's and a phone's size no
 * element leaves the window or its container. Screenshots go to test-artifacts/dashboard-logs/.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { chromiumAvailable, launchChromium } from './helpers/chromium.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { expectNoSidewaysScroll, expectNothingClipped } from './helpers/page-layout.js'

const artifacts = 'test-artifacts/dashboard-logs'
const viewports = [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

/** A provider that answers `/reports/…` 503 once, then 422 with a long JSON body and a long header; others 200. */
async function startProvider(): Promise<{ url: string; server: Server }> {
  let failures = 0
  const server = createServer((request, response) => {
    if (!request.url?.startsWith('/api/reports/')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      return
    }
    failures += 1
    if (failures % 2 === 1) {
      response.writeHead(503, { 'retry-after': '0' }).end('busy')
      return
    }
    const detail = Array.from({ length: 40 }, (_, n) => ({
      field: `line_items[${n}].amount`,
      problem: 'must be positive',
    }))
    response
      .writeHead(422, {
        'content-type': 'application/json',
        'x-trace-path': `/${'segment/'.repeat(60)}end`,
        'x-request-id': 'prov-req-0001',
      })
      .end(JSON.stringify({ error: 'validation_failed', unbroken: 'x'.repeat(400), detail }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, server }
}

describe.runIf(chromiumAvailable())('the call logs in Chromium', () => {
  let h: ConnectionHarness
  let provider: Awaited<ReturnType<typeof startProvider>>
  let server: RunningServer
  let publicUrl: string
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    provider = await startProvider()
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      publicUrl,
      providers: {
        reports: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${provider.url}/api` } },
      },
      integrations: { reports: { provider: 'reports' }, quiet: { provider: 'reports' } },
    })
    server = await listen(h.app, { host: '127.0.0.1', port })
    browser = await launchChromium()
    await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'reports',
        userId: 'browser-user@example.com',
        credentials: { apiKey: 'reports-key-3c4d5e6f7a' },
      }),
    })
    for (let n = 0; n < 3; n++) {
      const ok = await h.call(`/v1/proxy/reports/items?page=${n}`, {
        headers: { 'junction-user-id': 'browser-user@example.com' },
      })
      expect(ok.status).toBe(200)
      const failed = await h.call(`/v1/proxy/reports/reports/quarterly-revenue-by-region-and-product-line/${n}`, {
        method: 'GET',
        headers: { 'junction-user-id': 'browser-user@example.com', 'x-client-version': 'web/2026.12.6' },
      })
      expect(failed.status).toBe(422)
    }
    await h.services.callLog.flush()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close(100)
    await h?.close()
    await new Promise((resolve) => provider?.server.close(resolve))
  })

  async function shot(page: Page, viewport: string, name: string) {
    await page.screenshot({ path: `${artifacts}/${viewport}-${name}.png`, fullPage: true })
  }

  for (const viewport of viewports) {
    it(`filters, opens a call and reads the charts at ${viewport.width}×${viewport.height}`, {
      timeout: 120_000,
    }, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })
      const page = await context.newPage()
      const failures: string[] = []
      page.on('response', (response) => {
        if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`)
      })
      const visit = async (name: string) => {
        await expectNoSidewaysScroll(page, name)
        await expectNothingClipped(page, name)
        await shot(page, viewport.name, name)
      }
      try {
        await page.goto(`${publicUrl}/`)
        await page.fill('#key', h.key)
        await page.click('button[type=submit]')
        await page.waitForSelector('h1:text("Integrations")')

        await page.click('nav >> text=Call logs')
        await page.waitForSelector('h1:text("Call logs")')
        await visit('logs-all')

        // Filter with the form: the filter is in the address, and only failed calls of that integration show.
        await page.selectOption('select[name=range]', '24h')
        await page.fill('input[name=status]', '4xx')
        await page.selectOption('select[name=integration]', 'reports')
        await page.fill('input[name=path]', 'quarterly')
        await page.click('form.filters button[type=submit]')
        await page.waitForURL(/status=4xx/)
        const address = new URL(page.url())
        expect(address.pathname).toBe('/logs')
        expect(Object.fromEntries(address.searchParams)).toMatchObject({
          range: '24h',
          status: '4xx',
          integration: 'reports',
          path: 'quarterly',
        })
        const statuses = await page.locator('td[data-label=Status]').allTextContents()
        expect(statuses).toEqual(['422', '422', '422'])
        expect(await page.inputValue('input[name=status]')).toBe('4xx')
        expect(await page.getAttribute('a:text("CSV")', 'href')).toContain('status=4xx')
        await visit('logs-filtered')

        // The export link answers a download with the same rows.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:text("NDJSON")')])
        expect(download.suggestedFilename()).toMatch(/^junction-calls-\d{8}T\d{6}Z\.ndjson$/)

        // A failed call's detail: its two attempts, the provider's body and the headers, credentials redacted.
        await page.click('td[data-label=When] a >> nth=0')
        await page.waitForSelector('h1:text("Call")')
        expect(await page.locator('table.attempts td[data-label=Answer]').allTextContents()).toEqual(['503', '422'])
        expect(await page.textContent('pre.body')).toContain('validation_failed')
        expect(await page.textContent('section:has(h2:text("Request headers"))')).toContain('x-api-key[redacted]')
        expect(await page.content()).not.toContain('reports-key-3c4d5e6f7a')
        await visit('call-detail')

        // The chart says its values on hover and its axes' units; a quiet integration says it had no call.
        await page.goto(`${publicUrl}/integrations/reports`)
        expect(await page.textContent('svg.chart text.axis-title >> nth=0')).toBe('Calls per minute')
        const titles = await page.locator('svg.chart g title').allTextContents()
        const counted = titles.flatMap(
          (title) => /: (\d+) calls, (\d+) failed$/.exec(title)?.slice(1).map(Number) ?? [],
        )
        // Every minute of the hour has its title, quiet ones too; the six calls may straddle a minute's end.
        expect(counted).toHaveLength(120)
        expect(counted.filter((_, index) => index % 2 === 0).reduce((sum, calls) => sum + calls, 0)).toBe(6)
        expect(counted.filter((_, index) => index % 2 === 1).reduce((sum, failed) => sum + failed, 0)).toBe(3)
        await visit('chart')
        await page.goto(`${publicUrl}/integrations/quiet`)
        expect(await page.textContent('.chart-empty')).toBe('No calls in this period')
        expect(await page.locator('svg.chart').count()).toBe(0)
        await visit('chart-empty')
        expect(failures).toEqual([])
      } finally {
        await context.close()
      }
    })
  }
})
