/**
 * Start-up time and idle memory of `junction start`, on the embedded database (first start, which creates it, and a
 * later start) and on PostgreSQL, against a bare Node HTTP server started the same way as the baseline.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { childEnv, freePort, startHub, temporaryDirectory } from '../test/helpers/cli.js'

export interface StartupFigures {
  baselineMs: number
  pgliteFirstMs: number
  pgliteLaterMs: number
  pgliteIdleRssMiB: number
  postgresMs: number | undefined
  postgresIdleRssMiB: number | undefined
}

async function bareNodeServerMs(): Promise<number> {
  const port = await freePort()
  const started = Date.now()
  const script = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`
  const child = spawn(process.execPath, ['-e', script], { env: childEnv() })
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    )
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const elapsed = Date.now() - started
  child.kill()
  return elapsed
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kib / 1024)
}

async function idleRss(hub: { child: { pid?: number | undefined } }): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  return rssMiB(hub.child.pid)
}

export async function measureStartup(postgresAdminUrl: string | undefined): Promise<StartupFigures> {
  const baselineMs = await bareNodeServerMs()
  const workdir = temporaryDirectory('junction-bench-')
  try {
    const first = await startHub({ cwd: workdir.path })
    await first.stop()
    const later = await startHub({ cwd: workdir.path })
    const pgliteIdleRssMiB = await idleRss(later)
    await later.stop()

    let postgresMs: number | undefined
    let postgresIdleRssMiB: number | undefined
    if (postgresAdminUrl !== undefined) {
      const name = `junction_bench_${Date.now()}`
      const admin = new pg.Client({ connectionString: postgresAdminUrl })
      await admin.connect()
      await admin.query(`create database ${name}`)
      const url = new URL(postgresAdminUrl)
      url.pathname = `/${name}`
      const env = { JUNCTION_DATABASE_URL: url.toString(), JUNCTION_DATA_DIR: join(workdir.path, 'pg') }
      try {
        // Migrate first, so that the figure is a later start, comparable with the embedded one.
        execFileSync(process.execPath, ['bin/junction.js', 'migrate'], { env: childEnv(env) })
        const hub = await startHub({ cwd: workdir.path, env })
        postgresMs = hub.startupMs
        postgresIdleRssMiB = await idleRss(hub)
        await hub.stop()
      } finally {
        await admin.query(`drop database if exists ${name} with (force)`)
        await admin.end()
      }
    }
    return {
      baselineMs,
      pgliteFirstMs: first.startupMs,
      pgliteLaterMs: later.startupMs,
      pgliteIdleRssMiB,
      postgresMs,
      postgresIdleRssMiB,
    }
  } finally {
    workdir.remove()
  }
}
