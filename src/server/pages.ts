/**
 * @module The end-user pages of the connect flow (the credentials form, the result page) and the sandbox's: escaped
 * text, no script, a stylesheet of our own, and the app's name, logo and colour when `branding` is configured
 * (docs/configuration.md, "branding").
 */
import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import type { Branding } from '../config/config.js'

/**
 * Headers of every page: no framing, nothing from elsewhere, no referrer, no caching (docs/security.md, "Page
 * headers").
 */
export const pageHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

/** The page headers, with the branding's logo origin (and only it) added to the images allowed. */
export function brandedPageHeaders(branding: Branding | undefined): Readonly<Record<string, string>> {
  if (branding?.logoUrl === undefined) return pageHeaders
  const logoOrigin = new URL(branding.logoUrl).origin
  return {
    ...pageHeaders,
    'content-security-policy': `default-src 'self'; img-src 'self' ${logoOrigin}; frame-ancestors 'none'`,
  }
}

const baseStylesheet = `:root{color-scheme:light dark;--bg:#f4f5f7;--fg:#1c2330;--card:#fff;--line:#dde2ea;--muted:#5a6474;--field:#b9c1cd;--bad:#b42318;--ok:#18794e}
@media (prefers-color-scheme:dark){:root{--bg:#11151b;--fg:#e4e8ef;--card:#1a2029;--line:#2f3845;--muted:#9ba5b4;--field:#465163;--bad:#ff8f85;--ok:#63d49c}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:clamp(1rem,6vh,4rem) 1rem 2rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
main{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:clamp(1.25rem,5vw,2rem);box-shadow:0 1px 3px rgba(0,0,0,.06),0 8px 24px rgba(0,0,0,.05)}
.brand{display:flex;align-items:center;gap:.75rem;margin:0 0 1.25rem;font-weight:600;font-size:1.05rem}
.brand img{width:40px;height:40px;object-fit:contain;border-radius:8px;flex:none}
h1{font-size:1.4rem;line-height:1.25;margin:0 0 .75rem}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.95rem}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem;color:var(--muted)}
h1:has(.status){display:flex;align-items:center;gap:.6rem}
.status{display:inline-flex;align-items:center;justify-content:center;flex:none;width:2rem;height:2rem;border-radius:50%;font-size:1.1rem;color:#fff}
.status.ok{background:var(--ok)}.status.failed{background:var(--bad)}
ul{padding-left:1.25rem}
a{color:var(--accent)}
label{display:block;margin:1rem 0 .3rem;font-weight:500}
input{display:block;width:100%;font:inherit;padding:.65rem .75rem;color:var(--fg);background:var(--card);border:1px solid var(--field);border-radius:8px}
input:focus,button:focus{outline:2px solid var(--accent);outline-offset:2px}
button{font:inherit;font-weight:600;padding:.7rem 1.1rem;margin:1.25rem .5rem 0 0;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer}
button+button,button[value=deny]{background:transparent;color:var(--fg);border-color:var(--field)}
form>button:only-of-type{width:100%;margin-right:0}
footer{margin-top:1rem;font-size:.8rem;color:var(--muted);text-align:center}
`

/**
 * The pages' stylesheet, with the accent colour (buttons, links, focus rings) and a text colour that reads on it.
 * Without branding, a blue of our own.
 */
export function pagesStylesheetFor(branding: Branding | undefined): string {
  const accent = branding?.accentColor ?? '#1f5fbf'
  return `:root{--accent:${accent};--on-accent:${readableOn(accent)}}\n${baseStylesheet}`
}

/** The unbranded stylesheet. */
export const pagesStylesheet = pagesStylesheetFor(undefined)

/** Black or white, whichever contrasts more with a `#rgb` or `#rrggbb` colour (WCAG 2 relative luminance). */
export function readableOn(color: string): '#000' | '#fff' {
  const hex = color.length === 4 ? [...color.slice(1)].map((digit) => digit + digit).join('') : color.slice(1)
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
  // Contrast with white (1.05 / (L + .05)) against contrast with black ((L + .05) / .05): equal near L = 0.179.
  return luminance > 0.179 ? '#000' : '#fff'
}

/**
 * Serves a stylesheet: revalidated on each use (`no-cache`, with an ETag), so a new accent colour shows after a
 * restart instead of an hour later.
 */
export function stylesheetAnswer(css: string): (c: Context) => Response {
  const etag = `"${createHash('sha256').update(css).digest('base64url').slice(0, 16)}"`
  return (c) => {
    c.header('cache-control', 'no-cache')
    c.header('etag', etag)
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    return c.body(css, 200, { 'content-type': 'text/css; charset=utf-8' })
  }
}

/** Sets a page's headers on the answer being built (`pageHeaders` unless told otherwise). */
export function setPageHeaders(c: Context, headers: Readonly<Record<string, string>> = pageHeaders): void {
  for (const [name, value] of Object.entries(headers)) c.header(name, value)
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

/**
 * A page. `stylesheet` is the path of the page stylesheet as the browser reaches it (the hub's root by default);
 * `branding` puts the app's logo and name above the title.
 */
export function page(
  title: string,
  body: string,
  stylesheet = '/assets/pages.css',
  branding?: Branding,
  mark?: 'ok' | 'failed',
): string {
  const fullTitle = branding === undefined ? title : `${title} · ${branding.appName}`
  // The app's logo is the tab's icon too (the CSP allows its origin for images, icons included).
  const icon = branding?.logoUrl === undefined ? '' : `<link rel="icon" href="${escapeHtml(branding.logoUrl)}">`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>${escapeHtml(fullTitle)}</title><link rel="stylesheet" href="${escapeHtml(stylesheet)}">${icon}</head>
<body><main>${brandHeader(branding)}<h1>${mark === undefined ? '' : marks[mark]}${escapeHtml(title)}</h1>${body}</main></body></html>`
}

/** A result's sign beside its title (decorative: the title says the same). */
const marks = {
  ok: '<span class="status ok" aria-hidden="true">✓</span>',
  failed: '<span class="status failed" aria-hidden="true">!</span>',
} as const

function brandHeader(branding: Branding | undefined): string {
  if (branding === undefined) return ''
  // The name is beside the logo, so the image itself says nothing more (empty alt text).
  const logo =
    branding.logoUrl === undefined ? '' : `<img src="${escapeHtml(branding.logoUrl)}" alt="" width="40" height="40">`
  return `<header class="brand">${logo}<span>${escapeHtml(branding.appName)}</span></header>`
}

/** Who the end user goes back to: the app by its name, or "the application". */
const appOf = (branding: Branding | undefined) => (branding === undefined ? 'the application' : branding.appName)

export function resultPage(ok: boolean, detail: string, stylesheet?: string, branding?: Branding): string {
  return ok
    ? page(
        'Connected',
        `<p>${escapeHtml(detail)}</p>` +
          `<p class="muted">You can close this window and return to ${escapeHtml(appOf(branding))}.</p>`,
        stylesheet,
        branding,
        'ok',
      )
    : page(
        'Connection failed',
        `<p>${escapeHtml(detail)}</p>` +
          `<p class="muted">Close this window and start again from ${escapeHtml(appOf(branding))}.</p>`,
        stylesheet,
        branding,
        'failed',
      )
}

/** A credentials form that posts back to the page's own URL (`action=""`), whatever prefix the hub is served under. */
export function credentialsFormPage(
  integrationName: string,
  fields: ReadonlyArray<{ name: string; label: string; type: string }>,
  stylesheet?: string,
  branding?: Branding,
): string {
  const inputs = fields
    .map(
      (field) =>
        `<label for="${escapeHtml(field.name)}">${escapeHtml(field.label)}</label>` +
        `<input id="${escapeHtml(field.name)}" name="${escapeHtml(field.name)}" type="${escapeHtml(field.type)}" autocomplete="off" required>`,
    )
    .join('')
  const intro =
    `<p class="muted">${escapeHtml(branding === undefined ? 'The application' : branding.appName)} will use these ` +
    `to reach your ${escapeHtml(integrationName)} account. They are stored encrypted and never shown again.</p>`
  return page(
    `Connect ${integrationName}`,
    `${intro}<form method="post" action="">${inputs}<button type="submit">Connect</button></form>`,
    stylesheet,
    branding,
  )
}
