/**
 * One origin for browsers, in real Chromium: a newcomer opens the hub on 127.0.0.1 while publicUrl says localhost
 * (the default), is sent to localhost before signing in, connects the sandbox account through its consent page and
 * comes back signed in to the "Connected" notice (issue: signed out after connecting).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type RunningServer } from '../src/server/serve.js'
import { backends } from './helpers/backends.js'
import { chromiumAvailable, launchChromium } from './helpers/chromium.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

describe.runIf(chromiumAvailable())('one origin for browsers, in Chromium', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let port: number
  let browser: Browser

  beforeAll(async () => {
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

  it('signs in on localhost when opened on 127.0.0.1, and stays signed in through the sandbox consent', {
    timeout: 120_000,
  }, async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await page.goto(`http://127.0.0.1:${port}/`)
      expect(page.url()).toBe(`http://localhost:${port}/sign-in`)
      await page.fill('#key', h.key)
      await page.click('button[type=submit]')
      await page.waitForSelector('h1:text("Integrations")')
      expect(new URL(page.url()).host).toBe(`localhost:${port}`)

      // A bookmark on 127.0.0.1 comes to the same page on localhost, still signed in.
      await page.goto(`http://127.0.0.1:${port}/connections`)
      await page.waitForSelector('h1:text("Connections")')
      expect(page.url()).toBe(`http://localhost:${port}/connections`)
      await page.selectOption('#connect-integration', 'sandbox')
      await page.fill('#connect-user', 'one-origin')
      await page.click('#connect button[type=submit]')
      await page.waitForSelector('text=Approve')
      await page.click('button[value=approve]')
      await page.waitForSelector('.notice.ok:text("Connected to sandbox")')
      expect(new URL(page.url()).pathname).toBe('/connections')
      expect(await page.textContent('table')).toContain('one-origin')
    } finally {
      await context.close()
    }
  })
})
