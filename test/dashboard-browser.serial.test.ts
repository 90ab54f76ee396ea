/**
 * The dashboard in real headless Chromium, against a hub on a real socket with the sandbox provider: sign in, connect
 * the sandbox account through its real consent page, try a request as the user the picker offers, see it in the logs
 * and a chart, redeliver the connection's event, refresh and delete a connection, create and revoke a key (each
 * destructive step confirmed first); a reload after a form repeats nothing; a wrong key and a cross-site form are
 * refused; a missing page is an HTML 404; dark mode follows the system. At a laptop's and a phone's size no element
 * leaves the window or its container, and every flow is done by clicking; on a phone the nav is one row whose links
 * can each be scrolled or tabbed into view. Screenshots go to test-artifacts/dashboard/.
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

  async function signIn(page: Page, key: string) {
    await page.goto(`${publicUrl}/`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await page.fill('#key', key)
    await page.click('button[type=submit]')
  }

  /** The sandbox items of a user, read through the proxy. */
  async function sandboxItems(userId: string): Promise<number> {
    const response = await h.call('/v1/proxy/sandbox/items?limit=100', { headers: { 'junction-user-id': userId } })
    return ((await response.json()) as { data: unknown[] }).data.length
  }

  for (const viewport of viewports) {
    it(`works by clicking at ${viewport.width}×${viewport.height}`, { timeout: 120_000 }, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })
      const page = await context.newPage()
      // Every answer that fails, but the 404 this test asks for: a missing icon or stylesheet shows up here.
      const failures: string[] = []
      page.on('response', (response) => {
        if (response.status() >= 400 && !response.url().endsWith('/integrations/nope'))
          failures.push(`${response.status()} ${response.url()}`)
      })
      const userId = `browser-${viewport.name}`
      const visit = async (name: string) => {
        await expectNoSidewaysScroll(page, name)
        await expectNothingClipped(page, name)
        await shot(page, viewport.name, name)
      }
      try {
        // A wrong key is refused.
        await signIn(page, `jnc_${'x'.repeat(43)}`)
        await expect.poll(() => page.textContent('.notice.error')).toContain('That key is not valid')
        // The harness's data dir: its working directory is /srv.
        expect(await page.textContent('.first-key')).toContain('/srv/.junction/initial-api-key')
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
        const filterHeights = await page.evaluate<number[]>(
          `[...document.querySelectorAll('form.filters select, form.filters input')].map((field) => field.getBoundingClientRect().height)`,
        )
        expect(new Set(filterHeights).size, `filter fields' heights: ${filterHeights}`).toBe(1)

        // Refresh it from the list.
        const row = page.locator('tr', { hasText: userId })
        await row.locator('button:text("Refresh")').click()
        await page.waitForSelector('.notice.ok:text("Refreshed.")')

        // Try a request against the sandbox API, as the user the picker offers: it answers 200 the first time.
        await page.click('nav >> text=Integrations')
        await page.click('table >> text=sandbox')
        await page.waitForSelector('h2:text("Try a request")')
        expect(await page.locator('#try-user option').allTextContents()).toContain(userId)
        await page.selectOption('#try-user', userId)
        await page.click('#try button[type=submit]')
        await page.waitForSelector('.try-result')
        expect(await page.textContent('.try-result h2')).toContain('200')
        expect(await page.textContent('.try-result pre')).toContain('"id": "sandbox-demo"')
        await visit('try-a-request')

        // A POST that creates a sandbox item: a reload of the page it led to shows the result and creates nothing.
        const itemsBefore = await sandboxItems(userId)
        await page.selectOption('#try-method', 'POST')
        await page.fill('#try-path', '/items')
        await page.fill('#try-body', '{"name": "from the dashboard"}')
        await page.click('#try button[type=submit]')
        await page.waitForSelector('.try-result .status-ok:text("201")')
        expect(await sandboxItems(userId)).toBe(itemsBefore + 1)
        await page.reload()
        await page.waitForSelector('.try-result .status-ok:text("201")')
        expect(await sandboxItems(userId)).toBe(itemsBefore + 1)

        // A body that is not JSON is refused before it is sent, saying where.
        await page.fill('#try-body', '{"name": "x",\n "size": }')
        await page.click('#try button[type=submit]')
        await page.waitForSelector('.notice.error:text("line 2, column 10")')
        expect(await sandboxItems(userId)).toBe(itemsBefore + 1)

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

        // Connecting made a `connection.created` event: its page shows the delivery state, and Redeliver makes it due.
        await page.click('nav >> text=Events')
        await page.waitForSelector('h1:text("Events")')
        await page.fill('form.filters input[name=userId]', userId)
        await page.click('form.filters button[type=submit]')
        await page.locator('tr', { hasText: 'connection.created' }).first().locator('a').click()
        await page.waitForSelector('h1:text("Event")')
        expect(await page.textContent('pre')).toContain(`"userId": "${userId}"`)
        await visit('event-detail')
        await page.click('button:text("Redeliver")')
        await page.waitForSelector('.notice.ok:text("Redelivery queued")')
        await page.click('text=All events')
        await page.waitForSelector('h1:text("Events")')
        await visit('events')

        // And in the charts.
        await page.click('nav >> text=Integrations')
        await page.click('table >> text=sandbox')
        expect(await page.locator('svg.chart rect.calls').count()).toBeGreaterThan(0)
        await page.click('text=Last 24 hours, by hour')
        await page.waitForSelector('strong:text("Last 24 hours, by hour")')
        expect(await page.locator('svg.chart rect.calls').count()).toBeGreaterThan(0)
        await visit('integration')
        // The window alone, as a newcomer first sees an integration (the README's picture, docs/dashboard.png).
        await page.screenshot({ path: `${artifacts}/${viewport.name}-integration-window.png` })

        // Create a key: its secret is shown once; a reload neither shows it again nor makes another key.
        await page.click('nav >> text=API keys')
        const keysBefore = await h.apiKeys.countActive()
        await page.fill('#key-name', `key from the ${viewport.name}`)
        await page.click('form.stack button[type=submit]')
        const shown = (await page.textContent('code.secret')) ?? ''
        expect(await h.apiKeys.verify(shown)).toMatchObject({ name: `key from the ${viewport.name}` })
        await visit('keys')
        await page.reload()
        await page.waitForSelector('.notice:text("A new key is shown once only")')
        expect(await page.locator('code.secret').count()).toBe(0)
        expect(await h.apiKeys.countActive()).toBe(keysBefore + 1)

        // Revoking it asks first.
        await page
          .locator('tr', { hasText: `key from the ${viewport.name}` })
          .locator('text=Revoke')
          .click()
        await page.waitForSelector('h1:text("Revoke this key?")')
        await visit('confirm-revoke')
        expect(await h.apiKeys.verify(shown)).toBeDefined()
        await page.click('button:text("Revoke the key")')
        await page.waitForSelector('.notice.ok:text("Revoked")')
        expect(await h.apiKeys.verify(shown)).toBeUndefined()

        // Deleting the connection asks first, and Cancel leaves it.
        await page.click('nav >> text=Connections')
        await page.locator('tr', { hasText: userId }).locator('text=Delete').click()
        await page.waitForSelector('h1:text("Delete this connection?")')
        await visit('confirm-delete')
        await page.click('text=Cancel')
        await page.waitForSelector('h1:text("Connections")')
        expect((await h.call(`/v1/connections/sandbox/${userId}`)).status).toBe(200)
        await page.locator('tr', { hasText: userId }).locator('text=Delete').click()
        await page.click('button:text("Delete the connection")')
        await page.waitForSelector('.notice.ok:text("Deleted")')
        expect((await h.call(`/v1/connections/sandbox/${userId}`)).status).toBe(404)

        // A page that is not there is an HTML page in the dashboard's frame.
        const missing = await page.goto(`${publicUrl}/integrations/nope`)
        expect(missing?.status()).toBe(404)
        await page.waitForSelector('h1:text("Page not found")')
        await visit('not-found')

        // Dark mode follows the system's.
        await page.emulateMedia({ colorScheme: 'dark' })
        await page.goto(`${publicUrl}/integrations/sandbox`)
        const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')
        const [red = 255, green = 255, blue = 255] = (background.match(/\d+/g) ?? []).map(Number)
        expect(0.2126 * red + 0.7152 * green + 0.0722 * blue, `body background ${background}`).toBeLessThan(40)
        await visit('dark-integration')
        await page.emulateMedia({ colorScheme: 'light' })

        // Sign out.
        await page.click('text=Sign out')
        await page.waitForSelector('#key')
        await page.goto(`${publicUrl}/keys`)
        expect(new URL(page.url()).pathname).toBe('/sign-in')
        expect(failures).toEqual([])
      } catch (error) {
        await shot(page, viewport.name, 'failure')
        throw error
      } finally {
        await context.close()
      }
    })
  }

  /** Where the nav and its links are, and what a row of it is: a link's height. */
  interface NavBox {
    linkHeight: number
    navHeight: number
    /** The header's height inside its padding: its rows and the gaps between them. */
    headerHeight: number
    linkTops: number[]
  }

  /** Whether the focused element, or the nav link at `index`, is wholly in view: inside the nav and the window. */
  async function navLinkInView(page: Page, index: number | 'focused') {
    return page.evaluate<{ label: string; inView: boolean; hit: boolean; outline: string; where: string }>(`(() => {
      const nav = document.querySelector('header.top nav')
      const link = ${index === 'focused' ? 'document.activeElement' : `nav.querySelectorAll('a')[${index}]`}
      if (link === null || !nav.contains(link)) return { label: String(link && link.textContent), inView: false, hit: false, outline: '', where: 'not in the nav' }
      const style = getComputedStyle(link)
      // Its focus ring too, when it is focused: the ring is part of what must be seen.
      const ring = link === document.activeElement ? parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset) : 0
      const box = link.getBoundingClientRect()
      const outer = nav.getBoundingClientRect()
      const inView = box.left - ring >= Math.max(0, outer.left) - 0.5 && box.right + ring <= Math.min(window.innerWidth, outer.right) + 0.5 &&
        box.top - ring >= outer.top - 0.5 && box.bottom + ring <= outer.bottom + 0.5
      // Nothing covers it: the point at its middle is the link.
      const hit = link.contains(document.elementFromPoint((box.left + box.right) / 2, (box.top + box.bottom) / 2))
      const where = 'link ' + Math.round(box.left) + '..' + Math.round(box.right) + ' (ring ' + ring + 'px), nav ' + Math.round(outer.left) + '..' + Math.round(outer.right) + ' x ' + Math.round(outer.top) + '..' + Math.round(outer.bottom)
      return { label: link.textContent.trim(), inView, hit, outline: style.outlineStyle + ' ' + style.outlineWidth, where }
    })()`)
  }

  it('keeps the nav to one row on a phone, every link reachable by scrolling it or by Tab, with a visible focus', {
    timeout: 60_000,
  }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    try {
      await signIn(page, h.key)
      await page.waitForSelector('h1:text("Integrations")')
      await page.screenshot({ path: `${artifacts}/phone-nav.png` })
      const box = await page.evaluate<NavBox>(`(() => {
        const header = document.querySelector('header.top')
        const nav = header.querySelector('nav')
        const links = [...nav.querySelectorAll('a')]
        const style = getComputedStyle(header)
        return {
          linkHeight: Math.max(...links.map((link) => link.getBoundingClientRect().height)),
          navHeight: nav.getBoundingClientRect().height,
          headerHeight: header.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom),
          linkTops: links.map((link) => Math.round(link.getBoundingClientRect().top)),
        }
      })()`)
      // The links are one row (the nav's height is less than two links'), and the header two: the brand and Sign
      // out, then the links.
      expect(new Set(box.linkTops).size, `the nav links' rows start at ${[...new Set(box.linkTops)]}`).toBe(1)
      expect(box.navHeight, `the nav is ${box.navHeight}px high, a link ${box.linkHeight}px`).toBeLessThan(
        2 * box.linkHeight,
      )
      expect(box.headerHeight, `the header is ${box.headerHeight}px high, a link ${box.linkHeight}px`).toBeLessThan(
        3 * box.linkHeight,
      )
      await expectNoSidewaysScroll(page, 'phone nav')
      await expectNothingClipped(page, 'phone nav')

      const labels = await page.locator('header.top nav a').allTextContents()
      expect(labels).toEqual(['Integrations', 'Connections', 'Call logs', 'Usage', 'Events', 'API keys'])
      // By scrolling the nav (a finger's swipe): each link comes wholly into view inside it, and nothing covers it.
      for (const [index, label] of labels.entries()) {
        await page.evaluate(
          `document.querySelectorAll('header.top nav a')[${index}].scrollIntoView({ block: 'nearest', inline: 'nearest' })`,
        )
        const seen = await navLinkInView(page, index)
        expect(seen, `${label} scrolled into view: ${seen.where}`).toMatchObject({ label, inView: true, hit: true })
      }
      await page.evaluate(`window.scrollTo(0, 0); document.querySelector('header.top nav').scrollLeft = 0`)

      // By keyboard: Tab goes from the brand through every link, each in view with a focus ring that is not cut.
      await page.keyboard.press('Tab')
      expect(await page.evaluate<string>('document.activeElement.textContent.trim()')).toBe('Junction')
      for (const label of labels) {
        await page.keyboard.press('Tab')
        const seen = await navLinkInView(page, 'focused')
        expect(seen, `${label} focused by Tab: ${seen.where}`).toMatchObject({ label, inView: true, hit: true })
        expect(seen.outline, `${label}'s focus ring`).toMatch(/^(solid|auto|dotted|dashed|double) [1-9]/)
      }
      await page.screenshot({ path: `${artifacts}/phone-nav-focused.png` })

      // The current page's link is in view as the page opens, wherever it is in the row.
      await page.goto(`${publicUrl}/keys`)
      await page.waitForSelector('h1:text("API keys")')
      const current = await navLinkInView(page, labels.indexOf('API keys'))
      expect(current, `API keys on its own page: ${current.where}`).toMatchObject({ inView: true, hit: true })
      await page.screenshot({ path: `${artifacts}/phone-nav-keys.png` })
    } catch (error) {
      // A failed screenshot must not hide the failure itself.
      await shot(page, 'phone', 'nav-failure').catch(() => undefined)
      throw error
    } finally {
      await context.close()
    }
  })

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
