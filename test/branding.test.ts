/**
 * Branded end-user pages: `branding` in the configuration (each bad value named by its key), and the connect form and
 * result page showing the app's name (escaped, capped), its logo (only ever an image's src, allowed by the CSP for
 * its origin alone) and its accent colour (in the stylesheet, with a readable text colour on it).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/config.js'
import { readableOn } from '../src/server/pages.js'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

const load = (branding: unknown, env: Record<string, string> = {}) =>
  loadConfig({ cwd: '/srv/app', env, file: { branding } }).branding

function configError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a config error')
}

describe('branding in the configuration', () => {
  it('reads the name, an https logo and a #rgb or #rrggbb accent colour', () => {
    expect(
      load({ appName: '  Acme Notes ', logoUrl: 'https://cdn.acme.test/logo.png', accentColor: '#FF6600' }),
    ).toEqual({ appName: 'Acme Notes', logoUrl: 'https://cdn.acme.test/logo.png', accentColor: '#ff6600' })
    expect(load({ appName: 'Acme', accentColor: '#0a0' })).toEqual({
      appName: 'Acme',
      logoUrl: undefined,
      accentColor: '#0a0',
    })
    expect(load(undefined)).toBeUndefined()
  })

  it('allows an http logo only on a loopback host in development', () => {
    expect(load({ appName: 'Acme', logoUrl: 'http://localhost:3000/logo.svg' })?.logoUrl).toBe(
      'http://localhost:3000/logo.svg',
    )
    expect(
      configError(() =>
        load({ appName: 'Acme', logoUrl: 'http://localhost:3000/logo.svg' }, { NODE_ENV: 'production' }),
      ),
    ).toBe(
      'config error at branding.logoUrl: expected an https:// URL (http:// only on a loopback host in development)',
    )
    expect(configError(() => load({ appName: 'Acme', logoUrl: 'http://cdn.acme.test/logo.png' }))).toMatch(
      /^config error at branding\.logoUrl: expected an https:\/\/ URL/,
    )
  })

  it.each([
    [{}, 'branding.appName: required'],
    [{ appName: '   ' }, 'branding.appName: must be at least 1 characters'],
    [{ appName: 'x'.repeat(61) }, 'branding.appName: must be at most 60 characters'],
    [{ appName: 'Acme\u202eevil' }, 'branding.appName: must not contain control or formatting characters'],
    [{ appName: 'Acme', accentColor: 'red' }, 'branding.accentColor: expected a colour as #rgb or #rrggbb'],
    [{ appName: 'Acme', accentColor: '#12345' }, 'branding.accentColor: expected a colour as #rgb or #rrggbb'],
    [
      { appName: 'Acme', accentColor: '#fff;background:url(x)' },
      'branding.accentColor: expected a colour as #rgb or #rrggbb',
    ],
    [{ appName: 'Acme', logoUrl: 'not a url' }, 'branding.logoUrl: expected a URL'],
    [{ appName: 'Acme', logoUrl: 'javascript:alert(1)' }, 'branding.logoUrl: expected an https:// URL'],
    [{ appName: 'Acme', logoUrl: 'data:image/png;base64,AAAA' }, 'branding.logoUrl: expected an https:// URL'],
    [
      { appName: 'Acme', logoUrl: 'https://user:pw@cdn.acme.test/l.png' },
      'branding.logoUrl: must not contain a user name',
    ],
    [
      { appName: 'Acme', logoUrl: "https://cdn.acme.test;img-src'*'/l.png" },
      'branding.logoUrl: expected a plain host name',
    ],
    [{ appName: 'Acme', colour: '#fff' }, 'branding: unknown key "colour"'],
  ])('refuses %j naming the key', (branding, message) => {
    expect(configError(() => load(branding))).toContain(`config error at ${message}`)
  })
})

describe('readable text on the accent colour', () => {
  it.each([
    ['#ffffff', '#000'],
    ['#ff0', '#000'],
    ['#000', '#fff'],
    ['#1f5fbf', '#fff'],
    ['#ff6600', '#000'],
  ])('on %s is %s', (accent, text) => {
    expect(readableOn(accent)).toBe(text)
  })
})

describe('the branded connect pages', () => {
  const [pglite] = backends()
  let h: ConnectionHarness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })
  const publicUrl = 'http://localhost:3003'

  async function formPage(userId: string) {
    const response = await h!.call('/v1/connect-sessions', {
      method: 'POST',
      body: JSON.stringify({ integration: 'keyed', userId }),
    })
    const { url } = (await response.json()) as { url: string }
    const browser = new Browserless(publicUrl, h!.app)
    return { browser, page: await browser.request(url) }
  }

  it("shows the app's escaped name and logo, allows only the logo's origin for images, and colours the buttons", async () => {
    h = await openConnectionHarness(pglite!, {
      publicUrl,
      branding: {
        appName: 'Acme "Notes" <b>&</b>',
        logoUrl: "https://cdn.acme.test/brand/o'brien.png?v=1&size=2",
        accentColor: '#FF6600',
      },
    })
    const { browser, page } = await formPage('u_branded')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' https://cdn.acme.test; frame-ancestors 'none'",
    )
    expect(page.body).toContain('<title>Connect keyed · Acme &#34;Notes&#34; &#60;b&#62;&#38;&#60;/b&#62;</title>')
    expect(page.body).toContain(
      '<img src="https://cdn.acme.test/brand/o&#39;brien.png?v=1&#38;size=2" alt="" width="40" height="40">',
    )
    expect(page.body).toContain('<span>Acme &#34;Notes&#34; &#60;b&#62;&#38;&#60;/b&#62;</span>')
    expect(page.body).not.toContain('<b>')
    // The logo appears only as that image's src and the tab's icon.
    expect(page.body).toContain('<link rel="icon" href="https://cdn.acme.test/brand/o&#39;brien.png?v=1&#38;size=2">')
    expect(page.body.split('cdn.acme.test').length).toBe(3)

    const stylesheet = await browser.request(`${publicUrl}/assets/pages.css`)
    expect(stylesheet.body).toContain(':root{--accent:#ff6600;--on-accent:#000}')
    expect(stylesheet.headers.get('cache-control')).toBe('no-cache')
    const again = await browser.request(`${publicUrl}/assets/pages.css`, {
      headers: { 'if-none-match': stylesheet.headers.get('etag') ?? '' },
    })
    expect(again.status).toBe(304)

    const done = await browser.submitForm(page, { apiKey: 'key-of-u_branded' })
    expect(done.status).toBe(200)
    expect(done.headers.get('content-security-policy')).toContain("img-src 'self' https://cdn.acme.test;")
    expect(done.body).toMatch(/<h1><span class="status ok" aria-hidden="true">✓<\/span>Connected<\/h1>/)
    expect(done.body).toContain('return to Acme &#34;Notes&#34; &#60;b&#62;&#38;&#60;/b&#62;.')
  })

  it("keeps Junction's plain page, and its CSP, without branding", async () => {
    h = await openConnectionHarness(pglite!, { publicUrl })
    const { browser, page } = await formPage('u_plain')
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'")
    expect(page.body).not.toContain('class="brand"')
    expect(page.body).not.toContain('<img')
    expect(page.body).toContain('The application will use these')
    const stylesheet = await browser.request(`${publicUrl}/assets/pages.css`)
    expect(stylesheet.body).toContain(':root{--accent:#1f5fbf;--on-accent:#fff}')
  })
})
