/**
 * Drives browser flows without a browser: follows redirects by hand, keeps cookies per host, and sends requests for
 * Junction's own origin to the app in process (`app.request`) and everything else over real sockets.
 */
export interface BrowserStep {
  url: string
  status: number
  location: string | undefined
  body: string
  headers: Headers
}

export class Browserless {
  private readonly jar = new Map<string, Map<string, string>>()
  readonly history: BrowserStep[] = []

  constructor(
    private readonly appOrigin: string,
    private readonly app: { request(path: string, init?: RequestInit): Response | Promise<Response> },
  ) {}

  /** One request, cookies sent and stored; no redirect followed. */
  async request(url: string, init: RequestInit = {}): Promise<BrowserStep> {
    const target = new URL(url)
    const headers = new Headers(init.headers)
    const cookies = this.jar.get(target.host)
    if (cookies !== undefined && cookies.size > 0) {
      headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    }
    const response =
      target.origin === this.appOrigin
        ? await this.app.request(`${target.pathname}${target.search}`, { ...init, headers })
        : await fetch(target, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) this.store(target.host, line)
    const step = {
      url,
      status: response.status,
      location: response.headers.get('location') ?? undefined,
      body: await response.text(),
      headers: response.headers,
    }
    this.history.push(step)
    return step
  }

  /** Follows redirects from `url` until a page that is not a redirect, or a URL that `stopAt` matches. */
  async follow(url: string, stopAt?: (url: URL) => boolean): Promise<BrowserStep> {
    let next = url
    for (let hop = 0; hop < 20; hop++) {
      const step = await this.request(next)
      if (step.location === undefined || step.status < 300 || step.status >= 400) return step
      next = new URL(step.location, next).toString()
      if (stopAt?.(new URL(next))) return { ...step, location: next }
    }
    throw new Error(`too many redirects from ${url}`)
  }

  /** Submits a form found on a page, with the given fields, and follows where it leads. */
  async submitForm(
    page: BrowserStep,
    fields: Record<string, string>,
    stopAt?: (url: URL) => boolean,
  ): Promise<BrowserStep> {
    const action = /<form[^>]*action="([^"]*)"/.exec(page.body)?.[1]
    if (action === undefined) throw new Error(`no form on ${page.url}`)
    const hidden = Object.fromEntries(
      [...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [
        match[1],
        match[2],
      ]),
    )
    const target = new URL(action.replace(/&amp;/g, '&'), page.url).toString()
    const step = await this.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    })
    if (step.location === undefined) return step
    const next = new URL(step.location, target)
    return stopAt?.(next) ? { ...step, location: next.toString() } : this.follow(next.toString(), stopAt)
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name)
  }

  private store(host: string, line: string): void {
    const [pair = ''] = line.split(';')
    const separator = pair.indexOf('=')
    const name = pair.slice(0, separator).trim()
    const value = pair.slice(separator + 1).trim()
    const cookies = this.jar.get(host) ?? new Map<string, string>()
    if (/max-age=0/i.test(line) || value === '') cookies.delete(name)
    else cookies.set(name, value)
    this.jar.set(host, cookies)
  }
}
