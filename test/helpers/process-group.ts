/**
 * A command run in its own process group, so that stopping it stops everything it started too (`npm run dev` starts a
 * shell, which starts `next dev`, which starts its server): the whole group is signalled, never a name.
 */
import { type ChildProcess, spawn } from 'node:child_process'

/** How much of a command's output is kept for error messages (its end). */
const keptOutputChars = 20_000

export interface GroupProcess {
  readonly child: ChildProcess
  /** The end of its standard output and error, interleaved. */
  output(): string
}

export function startGroup(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): GroupProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-keptOutputChars)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  // A failed spawn (command missing) is reported by exitCode/output; without a listener it would throw.
  child.on('error', (error) => keep(Buffer.from(`\n${error.message}\n`)))
  return { child, output: () => output }
}

/**
 * SIGTERM to the whole group, SIGKILL to whatever of it is left after `graceMs`. Resolves once the group is gone (or,
 * should only unreaped zombies be left, a moment after the SIGKILL).
 */
export async function stopGroup(running: GroupProcess, graceMs = 20_000): Promise<void> {
  const group = running.child.pid
  if (group === undefined) return
  signal(group, 'SIGTERM')
  if (await waitUntilGone(group, graceMs)) return
  signal(group, 'SIGKILL')
  await waitUntilGone(group, 5_000)
}

/**
 * Resolves when the command has exited 0; fails when it exited otherwise or is still running after `deadlineMs` (the
 * caller stops it, as it stops it when anything else fails).
 */
export async function exitedWell(running: GroupProcess, deadlineMs: number): Promise<void> {
  const { child } = running
  const what = `\`${child.spawnargs.join(' ')}\``
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([
    new Promise<number | null>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode)
      else child.once('close', (exitCode) => done(exitCode))
    }),
    new Promise<'late'>((done) => {
      timer = setTimeout(() => done('late'), deadlineMs)
    }),
  ]).finally(() => clearTimeout(timer))
  if (code === 'late') throw new Error(`${what} did not finish in ${deadlineMs} ms: ${running.output()}`)
  if (code !== 0) throw new Error(`${what} exited ${code}: ${running.output()}`)
}

function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(-group, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

async function waitUntilGone(group: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      process.kill(-group, 0)
    } catch {
      return true
    }
    if (Date.now() > deadline) return false
    await new Promise((done) => setTimeout(done, 100))
  }
}
