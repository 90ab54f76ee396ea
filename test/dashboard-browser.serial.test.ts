/**
 * The dashboard in real headless Chromium, against a hub on a real socket with the sandbox provider: sign in, connect
 * the sandbox account through its real consent page, try a request, see it in the logs and a chart, refresh and
 * delete a connection, create and revoke a key; a wrong key and a cross-site form are refused; at a laptop's and a
 * phone's size no page scrolls sideways and every flow is done by clicking. Screenshots go to
 * test-artifacts/dashboard/.
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

const artifacts = 'test-artifacts/dashboard'
const viewports = [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

describe.runIf(chromiumAvailable())('the dashboard in Chromium', () => {
  let h: ConnectionHarness
  let server: RunningServer
  let publicUrl: string
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, { publicUrl, sandbox: {} })
    server = await listen(h.app, { host: '127.0.0.1', port })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close(100)
    await h?.close()
  })

  async function shot(page: Page, viewport: string, name: string) {
    await page.screenshot({ path: `${artifacts}/${viewport}-${name}.png`, fullPage: true })
  }

  /** No page may scroll sideways: the document is never wider than the window. */
  async function expectNoSidewaysScroll(page: Page, where: string) {
    // A string, evaluated in the page: this suite is type-checked without the DOM's types.
    const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    )
    expect(scrollWidth, `${where} is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth)
  }

  async function signIn(page: Page, key: string) {
    await page.goto(`${publicUrl}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await page.fill('#key', key)
    await page.click('button[type=submit]')
  }

  for (const viewport of viewports) {
    it(`works by clicking at ${viewport.width}×${viewport.height}`, { timeout: 90_000 }, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })
      const page = await context.newPage()
      const userId = `browser-${viewport.name}`
      const visit = async (name: string) => {
        await expectNoSidewaysScroll(page, name)
        await shot(page, viewport.name, name)
      }
      try {
        // A wrong key is refused.
        await signIn(page, `jnc_${'x'.repeat(43)}`)
        await expect.poll(() => page.textContent('.notice.error')).toContain('That key is not valid')
        await visit('sign-in-refused')

        await page.fill('#key', h.key)
        await page.click('button[type=submit]')
        await page.waitForSelector('h1:text("Integrations")')
        await visit('integrations')

        // Connect the sandbox account through its consent page: a newcomer follows the start steps.
        if (viewport.name === 'laptop') {
          await page.click('.start >> text=Connect the sandbox account')
        } else {
          await page.click('nav >> text=Connections')
        }
        await page.waitForSelector('h1:text("Connections")')
        await page.selectOption('#connect-integration', 'sandbox')
        await page.fill('#connect-user', userId)
        await page.click('#connect button[type=submit]')
        await page.waitForSelector('text=Approve')
        await shot(page, viewport.name, 'sandbox-consent')
        await page.click('button[value=approve]')
        await page.waitForSelector('.notice.ok:text("Connected to sandbox")')
        expect(await page.textContent('table')).toContain(userId)
        await visit('connections')

        // Refresh it from the list.
        const row = page.locator('tr', { hasText: userId })
        await row.locator('button:text("Refresh")').click()
        await page.waitForSelector('.notice.ok:text("Refreshed.")')

        // Try a request against the sandbox API.
        await page.click('nav >> text=Integrations')
        await page.click('table >> text=sandbox')
        await page.waitForSelector('h2:text("Try a request")')
        await page.fill('#try-user', userId)
        await page.fill('#try-path', '/me')
        await page.click('#try button[type=submit]')
        await page.waitForSelector('.try-result')
        expect(await page.textContent('.try-result h2')).toContain('200')
        expect(await page.textContent('.try-result pre')).toContain('"id": "sandbox-demo"')
        await visit('try-a-request')

        // The call is in the logs, with its detail.
        await page.click('nav >> text=Call logs')
        await page.waitForSelector('h1:text("Call logs")')
        await expect
          .poll(async () => {
            await page.reload()
            return page.locator('tr', { hasText: userId }).filter({ hasText: 'GET /me' }).count()
          })
          .toBeGreaterThan(0)
        await visit('logs')
        await page.locator('tr', { hasText: userId }).filter({ hasText: 'GET /me' }).first().locator('a').click()
        await page.waitForSelector('h1:text("Call")')
        expect(await page.textContent('dl.facts')).toContain('Attempts')
        await visit('log-detail')

        // And in the charts.
        await page.click('nav >> text=Integrations')
        await page.click('table >> text=sandbox')
        expect(await page.locator('svg.chart rect.calls').count()).toBeGreaterThan(0)
        await page.click('text=Last 24 hours, by hour')
        await page.waitForSelector('strong:text("Last 24 hours, by hour")')
        expect(await page.locator('svg.chart rect.calls').count()).toBeGreaterThan(0)
        await visit('integration')

        // Create a key, then revoke it.
        await page.click('nav >> text=API keys')
        await page.fill('#key-name', `key from the ${viewport.name}`)
        await page.click('form.stack button[type=submit]')
        const shown = (await page.textContent('code.secret')) ?? ''
        expect(await h.apiKeys.verify(shown)).toMatchObject({ name: `key from the ${viewport.name}` })
        await visit('keys')
        await page
          .locator('tr', { hasText: `key from the ${viewport.name}` })
          .locator('button:text("Revoke")')
          .click()
        await page.waitForSelector('.notice.ok:text("Revoked")')
        expect(await h.apiKeys.verify(shown)).toBeUndefined()

        // Delete the connection.
        await page.click('nav >> text=Connections')
        await page.locator('tr', { hasText: userId }).locator('button:text("Delete")').click()
        await page.waitForSelector('.notice.ok:text("Deleted")')
        expect((await h.call(`/v1/connections/sandbox/${userId}`)).status).toBe(404)

        // Sign out.
        await page.click('text=Sign out')
        await page.waitForSelector('#key')
        await page.goto(`${publicUrl}/keys`)
        expect(new URL(page.url()).pathname).toBe('/sign-in')
      } finally {
        await context.close()
      }
    })
  }

  it('refuses state-changing requests without the CSRF token, and forms posted from another site', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    let evil: Server | undefined
    try {
      await signIn(page, h.key)
      await page.waitForSelector('h1:text("Integrations")')
      await page.goto(`${publicUrl}/keys`)
      const token = (await page.getAttribute('input[name=_csrf]', 'value')) ?? ''
      const before = await h.apiKeys.countActive()

      // Same origin, with the session cookie but no token.
      const status = await page.evaluate(async () => {
        const response = await fetch('/keys', { method: 'POST', body: new URLSearchParams({ name: 'no token' }) })
        return response.status
      })
      expect(status).toBe(403)

      // Another site's page posting a form, even with a stolen token.
      const evilPort = await freePort()
      evil = createServer((_, response) => {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            `<form id="f" method="post" action="${publicUrl}/keys">` +
              `<input name="name" value="cross-site"><input name="_csrf" value="${token}"></form>` +
              '<script>document.getElementById("f").submit()</script>',
          )
      })
      await new Promise<void>((resolve) => evil?.listen(evilPort, '127.0.0.1', resolve))
      const crossSite = page.waitForResponse((response) => response.url() === `${publicUrl}/keys`)
      await page.goto(`http://localhost:${evilPort}/`)
      expect((await crossSite).status()).not.toBe(200)
      expect(await h.apiKeys.countActive()).toBe(before)
    } finally {
      evil?.close()
      await context.close()
    }
  })
})
