/** Running the real `junction` command in child processes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const junctionBin = resolve(import.meta.dirname, '../../bin/junction.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment of a child: this process's, without anything Junction reads, plus `env`. */
export function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JUNCTION_')))
  delete base.NODE_ENV
  return { ...base, ...env }
}

export function runJunction(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [junctionBin, ...args], { cwd: options.cwd, env: childEnv(options.env) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`junction ${args.join(' ')} did not finish in time; stderr: ${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      // Let the pipes drain before answering.
      setImmediate(() => done({ code, stdout, stderr }))
    })
  })
}

export function temporaryDirectory(prefix = 'junction-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })
}

export interface RunningHub {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
  /** Resolves with the exit code once the process has exited, however it was stopped. */
  readonly exited: Promise<number | null>
  /** Resolves with the exit code after SIGTERM. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Every hub started by {@link startHub} in this process that may still be running. */
const startedHubs = new Set<RunningHub>()

/** The hubs this process started that have not exited yet. */
export function runningHubs(): ReadonlySet<RunningHub> {
  return new Set(startedHubs)
}

/**
 * Kills (SIGKILL) every hub this process started that has not exited, but those in `except`, and waits for each to
 * exit. test/stop-started-hubs.ts calls it after each test (sparing the suite's own hubs, started before the test)
 * and after each file, so a failed assertion never leaves a hub holding a data-dir lock for the next test.
 */
export async function stopStartedHubs(except: ReadonlySet<RunningHub> = new Set()): Promise<void> {
  const alive = [...startedHubs].filter((hub) => !except.has(hub))
  for (const hub of alive) startedHubs.delete(hub)
  await Promise.all(alive.map((hub) => hub.stop('SIGKILL')))
}

/**
 * Starts `junction start` on a free port and waits until `/health` answers 200 (60 s at most by default: a first
 * start on a busy laptop can take a quarter of that). How long it took is for the benchmarks, not for assertions.
 */
export async function startHub(options: {
  cwd: string
  env?: Record<string, string | undefined>
  args?: string[]
  /** Flags for node itself, before the script (`--cpu-prof`, which NODE_OPTIONS does not allow). */
  nodeArgs?: string[]
  timeoutMs?: number
}): Promise<RunningHub & { startupMs: number }> {
  const port = await freePort()
  const started = Date.now()
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), junctionBin, 'start', '--port', String(port), ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: childEnv(options.env),
    },
  )
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  const url = `http://127.0.0.1:${port}`
  const hub: RunningHub = {
    child,
    url,
    output: () => output,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
  // Known before it answers, so that a test timing out while it starts still has it stopped.
  startedHubs.add(hub)
  void exited.then(() => startedHubs.delete(hub))
  const deadline = started + (options.timeoutMs ?? 60_000)
  for (;;) {
    if (child.exitCode !== null) throw new Error(`junction start exited with ${child.exitCode}: ${output}`)
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.status === 200,
      () => false,
    )
    if (healthy) break
    if (Date.now() > deadline) {
      await hub.stop('SIGKILL')
      throw new Error(`junction start did not answer /health in time: ${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return { ...hub, startupMs: Date.now() - started }
}
