/** @module The few plain pages of the connect flow: escaped text, no script, a stylesheet of our own. */
import type { Context } from 'hono'

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

export const pagesStylesheet = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}`

/** Sets a page's headers on the answer being built (`pageHeaders` unless told otherwise). */
export function setPageHeaders(c: Context, headers: Readonly<Record<string, string>> = pageHeaders): void {
  for (const [name, value] of Object.entries(headers)) c.header(name, value)
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

/** A page. `stylesheet` is the path of the page stylesheet as the browser reaches it (the hub's root by default). */
export function page(title: string, body: string, stylesheet = '/assets/pages.css'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="${escapeHtml(stylesheet)}"></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
}

export function resultPage(ok: boolean, detail: string, stylesheet?: string): string {
  return ok
    ? page('Connected', `<p>${escapeHtml(detail)}</p><p>You can close this window.</p>`, stylesheet)
    : page(
        'Connection failed',
        `<p>${escapeHtml(detail)}</p><p>Close this window and start again from the application.</p>`,
        stylesheet,
      )
}

/** A credentials form that posts back to the page's own URL (`action=""`), whatever prefix the hub is served under. */
export function credentialsFormPage(
  integrationName: string,
  fields: ReadonlyArray<{ name: string; label: string; type: string }>,
  stylesheet?: string,
): string {
  const inputs = fields
    .map(
      (field) =>
        `<label for="${escapeHtml(field.name)}">${escapeHtml(field.label)}</label>` +
        `<input id="${escapeHtml(field.name)}" name="${escapeHtml(field.name)}" type="${escapeHtml(field.type)}" autocomplete="off" required>`,
    )
    .join('')
  return page(
    `Connect ${integrationName}`,
    `<form method="post" action="">${inputs}<button type="submit">Connect</button></form>`,
    stylesheet,
  )
}
