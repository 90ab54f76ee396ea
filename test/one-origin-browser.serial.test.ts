/**
 * One origin for browsers, in real Chromium: a newcomer opens the hub on 127.0.0.1 while publicUrl says localhost
 * (the default), is sent to localhost before signing in, connects the sandbox account through its consent page and
 * comes back signed in to the "Connected" notice (issue: signed out after connecting), at a laptop's and a phone's
 * size. Screenshots go to test-artifacts/one-origin/.
 */
import { mkdirSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { chromiumAvailable, launchChromium } from './helpers/chromium.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { expectNoSidewaysScroll } from './helpers/page-layout.js'

const artifacts = 'test-artifacts/one-origin'
const viewports = [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

describe.runIf(chromiumAvailable())('one origin for browsers, in Chromium', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let port: number
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    port = await freePort()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, { publicUrl: `http://localhost:${port}`, sandbox: {} })
    server = await listen(h.app, { host: '127.0.0.1', port })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close(100)
    await h?.close()
  })

  for (const viewport of viewports) {
    it(`signs in on localhost when opened on 127.0.0.1, and stays signed in through the sandbox consent, at ${viewport.width}×${viewport.height}`, {
      timeout: 120_000,
    }, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })
      const page = await context.newPage()
      // Each page it passes through, pictured; none is wider than the window.
      const shot = async (name: string) => {
        await page.screenshot({ path: `${artifacts}/${viewport.name}-${name}.png`, fullPage: true })
        await expectNoSidewaysScroll(page, name)
      }
      const userId = `one-origin-${viewport.name}`
      try {
        await page.goto(`http://127.0.0.1:${port}/`)
        expect(page.url()).toBe(`http://localhost:${port}/sign-in`)
        await shot('sign-in')
        await page.fill('#key', h.key)
        await page.click('button[type=submit]')
        await page.waitForSelector('h1:text("Integrations")')
        expect(new URL(page.url()).host).toBe(`localhost:${port}`)

        // A bookmark on 127.0.0.1 comes to the same page on localhost, still signed in.
        await page.goto(`http://127.0.0.1:${port}/connections`)
        await page.waitForSelector('h1:text("Connections")')
        expect(page.url()).toBe(`http://localhost:${port}/connections`)
        await page.selectOption('#connect-integration', 'sandbox')
        await page.fill('#connect-user', userId)
        await page.click('#connect button[type=submit]')
        await page.waitForSelector('text=Approve')
        await shot('consent')
        await page.click('button[value=approve]')
        await page.waitForSelector('.notice.ok:text("Connected to sandbox")')
        expect(new URL(page.url()).pathname).toBe('/connections')
        expect(await page.textContent('table')).toContain(userId)
        await shot('connected')
      } catch (error) {
        // A failed screenshot must not hide the failure itself.
        await page
          .screenshot({ path: `${artifacts}/${viewport.name}-failure.png`, fullPage: true })
          .catch(() => undefined)
        throw error
      } finally {
        await context.close()
      }
    })
  }
})
