/**
 * `junction start` on a terminal (a pseudo-terminal made by util-linux `script`): pretty log lines, not JSON; the
 * start lines name the dashboard's URL (publicUrl) and the first key's file; SIGTERM still stops it with exit code 0
 * and the last line ("stopped") written; JUNCTION_LOG_FORMAT=json keeps JSON on a terminal.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { childEnv, freePort, junctionBin, temporaryDirectory } from './helpers/cli.js'

const slow = { timeout: 120_000 }
const scriptPath = '/usr/bin/script'

interface TerminalHub {
  script: ChildProcess
  port: number
  output(): string
  exited: Promise<number | null>
}

/** `junction start` under `script`, whose exit code is the hub's (`-e`). */
/** SHELL is /bin/sh, as on CI, where dash stays between script and the hub. */
async function startOnTerminal(cwd: string, env: Record<string, string> = {}): Promise<TerminalHub> {
  const port = await freePort()
  const command = [process.execPath, junctionBin, 'start', '--port', String(port)].map((part) => `'${part}'`).join(' ')
  const script = spawn(scriptPath, ['-qefc', command, '/dev/null'], {
    cwd,
    env: childEnv({ NO_COLOR: '1', SHELL: '/bin/sh', ...env }),
  })
  let output = ''
  script.stdout.on('data', (chunk) => {
    output += chunk
  })
  script.stderr.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((done) => script.on('exit', (code) => done(code)))
  return { script, port, output: () => output, exited }
}

async function waitFor(hub: TerminalHub, text: string) {
  for (let waited = 0; !hub.output().includes(text); waited += 50) {
    if (hub.script.exitCode !== null) throw new Error(`the hub exited: ${hub.output()}`)
    if (waited > 90_000) throw new Error(`no "${text}" in: ${hub.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The hub's pid: the node process under `script` that runs the junction binary. `script -c` runs the command through
 * $SHELL, and a shell such as dash stays between them (bash execs it), so walk the descendants rather than take the
 * first child.
 */
function hubPid(hub: TerminalHub): number {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
  const processes = table
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), parent: Number(match[2]), args: match[3] ?? '' }))
  const descendants = new Set([hub.script.pid])
  for (let grew = true; grew; ) {
    grew = false
    for (const entry of processes) {
      if (descendants.has(entry.parent) && !descendants.has(entry.pid)) {
        descendants.add(entry.pid)
        grew = true
      }
    }
  }
  const hubProcess = processes.find(
    (entry) =>
      descendants.has(entry.pid) &&
      entry.pid !== hub.script.pid &&
      entry.args.startsWith(`${process.execPath} ${junctionBin}`),
  )
  if (hubProcess === undefined) throw new Error(`no hub process under script ${hub.script.pid}`)
  return hubProcess.pid
}

describe.runIf(existsSync(scriptPath))('junction start on a terminal', slow, () => {
  const started: TerminalHub[] = []
  afterEach(async () => {
    for (const hub of started.splice(0)) {
      if (hub.script.exitCode === null && hub.script.signalCode === null) {
        hub.script.kill('SIGKILL')
        await hub.exited
      }
    }
  })

  it('writes pretty lines naming the dashboard URL and the key file, and stops on SIGTERM with everything written', async () => {
    const workdir = temporaryDirectory()
    try {
      const hub = await startOnTerminal(workdir.path)
      started.push(hub)
      const dashboard = `http://localhost:${hub.port}/`
      const keyFile = join(workdir.path, '.junction', 'initial-api-key')
      await waitFor(hub, `sign in to the dashboard with the first API key, in ${keyFile}`)
      const lines = hub
        .output()
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([])
      expect(lines).toContainEqual(expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: Junction is listening: open /))
      expect(hub.output()).toContain(`INFO: Junction is listening: open ${dashboard}`)
      // NO_COLOR is set: no escapes.
      expect(hub.output()).not.toContain('\u001b[')

      process.kill(hubPid(hub), 'SIGTERM')
      expect(await hub.exited).toBe(0)
      expect(hub.output()).toMatch(/INFO: stopped\r?\n/)
    } finally {
      workdir.remove()
    }
  })

  it('keeps JSON lines on a terminal with JUNCTION_LOG_FORMAT=json', async () => {
    const workdir = temporaryDirectory()
    try {
      const hub = await startOnTerminal(workdir.path, { JUNCTION_LOG_FORMAT: 'json' })
      started.push(hub)
      await waitFor(hub, '"msg":"Junction is listening: open ')
      process.kill(hubPid(hub), 'SIGTERM')
      expect(await hub.exited).toBe(0)
      const logLines = hub
        .output()
        .split(/\r?\n/)
        .filter((line) => line.startsWith('{'))
      expect(logLines.length).toBeGreaterThan(2)
      for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow()
      expect(hub.output()).not.toMatch(/\] INFO: /)
    } finally {
      workdir.remove()
    }
  })
})
