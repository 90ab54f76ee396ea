/**
 * The examples of examples/ as a reader runs them: each boots on a free 127.0.0.1 port with an embedded database in a
 * temporary directory, connects the sandbox account as u_1 through the real HTTP flow (the app's /connect, the connect
 * link, the sandbox's consent page, Junction's callback, back to the app), and makes one proxied call (/api/me).
 *
 * Express and Hono run as their own processes (`node --import tsx server.ts`, as their `npm start`), their frameworks
 * resolving from the repository's node_modules, and `junction` through `node_modules/junction` in the example: the
 * link to the repository that the example's `npm install` makes (made here when absent, and removed after).
 *
 * Next.js runs as its README says: `npm ci` in examples/nextjs (from its package-lock.json, unless a marker written
 * after the last successful `npm ci` holds that lock file's sha256; kept for later runs, ignored by git), then
 * `npm run dev`, which is `next dev`.
 *
 * In every example, `junction` is the repository's build (dist/, `npm run build`). Each example runs in its own
 * process group, stopped whole (SIGTERM, then SIGKILL) after the test, passed or failed.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Browserless } from './helpers/browserless.js'
import { childEnv, freePort, temporaryDirectory } from './helpers/cli.js'
import { exitedWell, type GroupProcess, startGroup, stopGroup } from './helpers/process-group.js'

const repository = resolve(import.meta.dirname, '..')
const examples = join(repository, 'examples')
/** Hang guards, not measurements: booting compiles TypeScript and opens an embedded database, slow on a busy machine. */
const bootDeadlineMs = 120_000
const exampleTimeoutMs = 240_000
/** `next dev` compiles the hub's route on its first request (about a minute on two busy cores, see the README). */
const nextBootDeadlineMs = 300_000
/** `npm ci` of Next.js, React and TypeScript: about 20–50 s from npm's cache, longer when it downloads them first. */
const nextInstallDeadlineMs = 600_000
const nextTimeoutMs = nextInstallDeadlineMs + nextBootDeadlineMs + 300_000

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function requireBuild(): void {
  if (!existsSync(join(repository, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first')
}

/** Makes `examples/<name>/node_modules/junction` link to the repository, as `npm install` there does, if absent. */
function linkJunction(example: string): void {
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

/** Starts a command in an example's folder in its own process group, stopped whole after the test. */
function startInExample(example: string, command: string, args: string[], env: NodeJS.ProcessEnv): GroupProcess {
  const running = startGroup(command, args, { cwd: join(examples, example), env: childEnv(env) })
  cleanups.push(() => stopGroup(running))
  return running
}

/**
 * Boots an example on a free port with its data dir in a temporary directory, and waits for Junction's health under
 * /junction. Answers the app's URL.
 */
async function bootExample(
  example: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; deadlineMs: number },
): Promise<string> {
  const port = await freePort()
  const data = temporaryDirectory('junction-example-')
  cleanups.push(() => data.remove()) // after the process is stopped: cleanups run last-in first-out
  const running = startInExample(example, command, args, {
    ...options.env,
    PORT: String(port),
    JUNCTION_DATA_DIR: data.path,
  })
  const appUrl = `http://127.0.0.1:${port}`
  const exited = () => running.child.exitCode !== null || running.child.signalCode !== null
  const deadline = Date.now() + options.deadlineMs
  for (;;) {
    if (exited()) throw new Error(`the example stopped before it answered: ${running.output()}`)
    const left = deadline - Date.now()
    if (left <= 0)
      throw new Error(`the example did not answer at ${appUrl} in ${options.deadlineMs} ms: ${running.output()}`)
    const health = await fetch(`${appUrl}/junction/health`, { signal: AbortSignal.timeout(left) }).catch(
      () => undefined,
    )
    if (health?.status === 200) return appUrl
    await new Promise((done) => setTimeout(done, 250))
  }
}

/** Express and Hono: `server.ts` as their `npm start` runs it. */
function startServerTs(example: string): Promise<string> {
  requireBuild()
  linkJunction(example)
  return bootExample(example, process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: { NODE_ENV: 'development' },
    deadlineMs: bootDeadlineMs,
  })
}

/**
 * `npm ci` in examples/nextjs unless the marker written after the last successful one holds the sha256 of the current
 * package-lock.json: an install killed partway (which may leave some packages in place) writes no marker, so it is
 * redone. `npm ci` removes node_modules, marker included, before installing. `--ignore-scripts`: the one install script
 * of the tree is Junction's own `prepare`, the `npm run build` whose dist/ is already required here (rebuilding it would
 * rewrite files other suites may be reading).
 */
async function installNextExample(): Promise<void> {
  const folder = join(examples, 'nextjs')
  const lockHash = createHash('sha256')
    .update(readFileSync(join(folder, 'package-lock.json')))
    .digest('hex')
  const marker = join(folder, 'node_modules', '.junction-installed')
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === lockHash) return
  const install = startInExample('nextjs', 'npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {})
  await exitedWell(install, nextInstallDeadlineMs)
  writeFileSync(marker, `${lockHash}\n`)
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
    await connectAndCall(await startServerTs('express'))
  })

  it('hono: npm start, connect the sandbox as u_1, one proxied call', { timeout: exampleTimeoutMs }, async () => {
    await connectAndCall(await startServerTs('hono'))
  })

  it('nextjs: npm ci && npm run dev (next dev), connect the sandbox as u_1, one proxied call', {
    timeout: nextTimeoutMs,
  }, async () => {
    requireBuild()
    await installNextExample()
    const appUrl = await bootExample('nextjs', 'npm', ['run', 'dev'], {
      env: { NEXT_TELEMETRY_DISABLED: '1' },
      deadlineMs: nextBootDeadlineMs,
    })
    await connectAndCall(appUrl)
  })
})
