/**
 * The branded end-user pages in real Chromium at a phone's and a laptop's size: the credentials form and the result
 * page show the app's logo (loaded from its own origin, which the CSP allows, and nothing else refused), its name and
 * its colour, nothing scrolls sideways, and the form is done by clicking. Screenshots go to test-artifacts/branding/.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { chromiumAvailable, launchChromium } from './helpers/chromium.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const artifacts = 'test-artifacts/branding'
const logo =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" rx="12" fill="#7c3aed"/></svg>'

describe.runIf(chromiumAvailable())('the branded connect pages in Chromium', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let logoServer: Server
  let publicUrl: string
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    logoServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/svg+xml' }).end(logo)
    })
    await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve))
    const logoUrl = `http://127.0.0.1:${(logoServer.address() as AddressInfo).port}/logo.svg`
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      publicUrl,
      branding: { appName: 'Acme Notes for Teams', logoUrl, accentColor: '#7c3aed' },
    })
    server = await listen(h.app, { host: '127.0.0.1', port })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close(100)
    await new Promise((resolve) => logoServer?.close(resolve))
    await h?.close()
  })

  async function expectNoSidewaysScroll(page: Page, where: string) {
    const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    )
    expect(scrollWidth, `${where} is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth)
  }

  for (const viewport of [
    { name: 'laptop', width: 1280, height: 800 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`shows the app's logo, name and colour at ${viewport.width}×${viewport.height}`, {
      timeout: 60_000,
    }, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })
      const page = await context.newPage()
      const refused: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') refused.push(message.text())
      })
      try {
        const response = await h.call('/v1/connect-sessions', {
          method: 'POST',
          body: JSON.stringify({ integration: 'keyed', userId: `branded-${viewport.name}` }),
        })
        await page.goto(((await response.json()) as { url: string }).url)
        expect(await page.textContent('.brand')).toBe('Acme Notes for Teams')
        // The logo loaded: the CSP let its origin through.
        await expect.poll(() => page.evaluate<number>("document.querySelector('.brand img').naturalWidth")).toBe(64)
        expect(await page.evaluate<string>("getComputedStyle(document.querySelector('button')).backgroundColor")).toBe(
          'rgb(124, 58, 237)',
        )
        await expectNoSidewaysScroll(page, 'the form')
        await page.screenshot({ path: `${artifacts}/${viewport.name}-form.png`, fullPage: true })

        await page.fill('#apiKey', 'a-key-typed-by-hand')
        await page.click('button[type=submit]')
        await page.waitForSelector('h1:text("Connected")')
        expect(await page.textContent('main')).toContain('return to Acme Notes for Teams')
        await expectNoSidewaysScroll(page, 'the result page')
        await page.screenshot({ path: `${artifacts}/${viewport.name}-connected.png`, fullPage: true })
        expect(refused).toEqual([])
      } finally {
        await context.close()
      }
    })
  }
})
