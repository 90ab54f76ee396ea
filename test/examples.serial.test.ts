/**
 * The examples of examples/ as a reader runs them: each boots on a free 127.0.0.1 port with an embedded database in a
 * temporary directory, connects the sandbox account as u_1 through the real HTTP flow (the app's /connect, the connect
 * link, the sandbox's consent page, Junction's callback, back to the app), and makes one proxied call (/api/me).
 *
 * Express and Hono run as their own processes (`node --import tsx server.ts`, as their `npm start`). Next.js's
 * `next dev`/`next build` is not run here: it needs the `next` package installed in the example and takes minutes of
 * both cores; its route handler modules are served instead, each request going to the module's exported function for
 * its method, as Next.js's router would.
 *
 * Nothing is installed: `junction` resolves through `node_modules/junction` in the example, the link to the repository
 * that the example's `npm install` makes (made here when absent, and removed after), so the repository's build
 * (dist/, `npm run build`) is what the examples import; the frameworks resolve from the repository's node_modules.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmdirSync, rmSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Junction } from '../src/index.js'
import { Browserless } from './helpers/browserless.js'
import { freePort, temporaryDirectory } from './helpers/cli.js'

const repository = resolve(import.meta.dirname, '..')
const examples = join(repository, 'examples')
/** Generous: booting compiles TypeScript and opens an embedded database, slow on a busy machine. Not a measurement. */
const bootDeadlineMs = 120_000
const exampleTimeoutMs = 240_000

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Makes `examples/<name>/node_modules/junction` link to the repository, as `npm install` there does, if absent. */
function linkJunction(example: string): void {
  if (!existsSync(join(repository, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first')
  const modules = join(examples, example, 'node_modules')
  const link = join(modules, 'junction')
  if (existsSync(link)) return
  const madeModules = !existsSync(modules)
  mkdirSync(modules, { recursive: true })
  symlinkSync('../../..', link, 'dir')
  cleanups.push(() => {
    rmSync(link)
    if (madeModules) rmdirSync(modules)
  })
}

/** Starts `server.ts` of an example as its own process, and waits for Junction's health under /junction. */
async function startExampleProcess(example: string): Promise<string> {
  linkJunction(example)
  const port = await freePort()
  const data = temporaryDirectory('junction-example-')
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: join(examples, example),
    env: { ...process.env, PORT: String(port), JUNCTION_DATA_DIR: data.path, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk))
  cleanups.push(async () => {
    await stopProcess(child)
    data.remove()
  })
  const appUrl = `http://127.0.0.1:${port}`
  await waitUntilHealthy(appUrl, () => (child.exitCode === null ? undefined : `exited ${child.exitCode}: ${output}`))
  return appUrl
}

/** SIGTERM (the examples close Junction on it), then SIGKILL if it has not exited after a while. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((done) => child.once('exit', done))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

async function waitUntilHealthy(appUrl: string, failure: () => string | undefined): Promise<void> {
  const deadline = Date.now() + bootDeadlineMs
  for (;;) {
    const failed = failure()
    if (failed !== undefined) throw new Error(`the example stopped before it answered: ${failed}`)
    const health = await fetch(`${appUrl}/junction/health`).catch(() => undefined)
    if (health?.status === 200) return
    if (Date.now() > deadline) throw new Error(`the example did not answer at ${appUrl} in ${bootDeadlineMs} ms`)
    await new Promise((done) => setTimeout(done, 250))
  }
}

/** The hidden fields of the sandbox's consent form, decoded. */
function consentFields(page: string): Record<string, string> {
  const form = /<form method="post" action="decision">(.*?)<\/form>/s.exec(page)?.[1]
  if (form === undefined) throw new Error(`no consent form in: ${page.slice(0, 500)}`)
  const decode = (value: string) =>
    value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&')
  return Object.fromEntries(
    [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
      decode(match[1] ?? ''),
      decode(match[2] ?? ''),
    ]),
  )
}

/** What a user does: opens the app, connects the sandbox account, approves, comes back, and asks for /api/me. */
async function connectAndCall(appUrl: string): Promise<void> {
  // Every request goes over the socket: no origin is served in process.
  const browser = new Browserless('http://in-process.invalid', { request: () => new Response(null, { status: 500 }) })
  expect((await browser.request(`${appUrl}/`)).body).toContain('u_1 has no sandbox account yet')
  const beforeConnect = await fetch(`${appUrl}/api/me`)
  expect(beforeConnect.status).toBe(404)
  expect(beforeConnect.headers.get('junction-error')).toBe('connection_not_found')

  const toLink = await browser.request(`${appUrl}/connect`)
  expect(toLink.status).toBe(302)
  expect(toLink.location?.startsWith(`${appUrl}/junction/connect/`)).toBe(true)
  const consent = await browser.follow(toLink.location!)
  expect(consent.url.startsWith(`${appUrl}/junction/sandbox/oauth/authorize?`)).toBe(true)
  expect(consent.body).toContain('Approve')
  const decided = await browser.request(new URL('decision', consent.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...consentFields(consent.body), decision: 'approve' }).toString(),
  })
  expect(decided.location?.startsWith(`${appUrl}/junction/oauth/callback?`)).toBe(true)
  const back = await browser.follow(decided.location!)
  expect(new URL(back.url).origin + new URL(back.url).pathname).toBe(`${appUrl}/`)
  expect(back.body).toContain('u_1 is connected')

  const me = await fetch(`${appUrl}/api/me`)
  expect(me.status).toBe(200)
  const answer = (await me.json()) as { id: string; name: string; scopes: string[] }
  expect(answer).toMatchObject({
    id: expect.stringMatching(/^sandbox-/),
    name: expect.stringMatching(/^Sandbox user /),
  })
  expect(Array.isArray(answer.scopes)).toBe(true)
}

describe('examples/', () => {
  it('express: npm start, connect the sandbox as u_1, one proxied call', { timeout: exampleTimeoutMs }, async () => {
    await connectAndCall(await startExampleProcess('express'))
  })

  it('hono: npm start, connect the sandbox as u_1, one proxied call', { timeout: exampleTimeoutMs }, async () => {
    await connectAndCall(await startExampleProcess('hono'))
  })

  it('nextjs: its App Router route handlers, connect the sandbox as u_1, one proxied call', {
    timeout: exampleTimeoutMs,
  }, async () => {
    linkJunction('nextjs')
    const port = await freePort()
    const data = temporaryDirectory('junction-example-')
    // lib/junction.ts reads these as the app starts, as under `next dev`.
    vi.stubEnv('PORT', String(port))
    vi.stubEnv('JUNCTION_DATA_DIR', data.path)
    type RouteModule = Partial<Record<string, (request: Request) => Promise<Response>>>
    const app = join(examples, 'nextjs', 'app')
    const hub = (await import(join(app, 'junction', '[...path]', 'route.ts'))) as RouteModule
    const pages: Record<string, RouteModule> = {
      '/': await import(join(app, 'route.ts')),
      '/connect': await import(join(app, 'connect', 'route.ts')),
      '/api/me': await import(join(app, 'api', 'me', 'route.ts')),
    }
    const shared = globalThis as typeof globalThis & { junction?: Promise<Junction> }
    const server = serve({
      hostname: '127.0.0.1',
      port,
      fetch: (request) => {
        const { pathname } = new URL(request.url)
        const route = pathname === '/junction' || pathname.startsWith('/junction/') ? hub : pages[pathname]
        const handler = route?.[request.method]
        return handler === undefined ? new Response('no route', { status: 404 }) : handler(request)
      },
    })
    cleanups.push(async () => {
      await new Promise((done) => server.close(done))
      await (await shared.junction?.catch(() => undefined))?.close()
      delete shared.junction
      vi.unstubAllEnvs()
      data.remove()
    })
    const appUrl = `http://127.0.0.1:${port}`
    await waitUntilHealthy(appUrl, () => undefined)
    await connectAndCall(appUrl)
  })
})
