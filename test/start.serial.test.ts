/**
 * `junction start` as a real child process: first key, lock, graceful stop, no key in the logs. How long a start
 * takes is measured by `npm run bench` (bench/startup.ts), not asserted here: a busy laptop may take several times
 * as long. Every hub a test starts is killed after it, even when an assertion failed (test/stop-started-hubs.ts),
 * so no lock outlives its test.
 */

import { existsSync, readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { runJunction, startHub, temporaryDirectory } from './helpers/cli.js'

// A start on a busy machine can take far longer than on a calm one; these bounds only catch a hang.
const slow = { timeout: 120_000 }

describe('junction start on the embedded database', slow, () => {
  const workdir = temporaryDirectory()
  const dataDir = join(workdir.path, '.junction')
  afterAll(() => workdir.remove())

  it('starts, writes the first key to a 0600 file, serves the API, and exits 0 on SIGTERM', async () => {
    const hub = await startHub({ cwd: workdir.path })
    const keyFile = join(dataDir, 'initial-api-key')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600)
    const key = readFileSync(keyFile, 'utf8').trim()
    const listed = await fetch(`${hub.url}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } })
    expect(listed.status).toBe(200)
    expect(await listed.json()).toMatchObject({ data: [{ name: 'initial' }] })
    // The proxy is served: an unknown integration is named as such, not an unknown route.
    const proxied = await fetch(`${hub.url}/v1/proxy/nowhere/x`, { headers: { authorization: `Bearer ${key}` } })
    expect(proxied.status).toBe(404)
    expect(proxied.headers.get('junction-error')).toBe('integration_not_found')
    // The dashboard is served at publicUrl (http://localhost:<port> by default): a page asked for on 127.0.0.1 is
    // sent there first, so that its cookie and the connect flow's returns share one origin.
    const dashboard = hub.url.replace('127.0.0.1', 'localhost')
    const elsewhere = await fetch(`${hub.url}/`, { redirect: 'manual' })
    expect(elsewhere.status).toBe(302)
    expect(elsewhere.headers.get('location')).toBe(`${dashboard}/`)
    const home = await fetch(`${dashboard}/`, { redirect: 'manual' })
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/sign-in')
    const signedIn = await fetch(`${dashboard}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: dashboard, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key }),
    })
    expect(signedIn.status).toBe(303)
    const cookie = signedIn.headers.get('set-cookie')?.split(';')[0] ?? ''
    expect(await (await fetch(`${dashboard}/`, { headers: { cookie } })).text()).toContain('Start here: the sandbox')

    expect(await hub.stop()).toBe(0)
    const output = hub.output()
    expect(output).toContain(keyFile)
    // Standard output is a pipe: JSON lines. The start lines name the dashboard's URL (publicUrl, not the bound
    // address) and the file holding the first key.
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; url?: string; file?: string })
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: `Junction is listening: open ${dashboard}/`, url: `${dashboard}/` }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: `sign in to the dashboard with the first API key, in ${keyFile}`, file: keyFile }),
    )
    expect(lines.at(-1)?.msg).toBe('stopped')
    // Standard output is a pipe here, not a terminal: the key itself is never printed or logged.
    expect(output).not.toContain(key)
  })

  it('starts again keeping its key, and refuses a second process on the same data dir', async () => {
    const hub = await startHub({ cwd: workdir.path })
    try {
      const message = `data dir in use by junction (pid ${hub.child.pid}): stop it, or use the HTTP API`
      const second = await runJunction(['start', '--port', '0'], { cwd: workdir.path })
      expect(second.code).toBe(1)
      expect(second.stderr.trim()).toBe(message)
      const keys = await runJunction(['keys', 'create', 'intruder'], { cwd: workdir.path })
      expect(keys.code).toBe(1)
      expect(keys.stderr.trim()).toBe(message)
      expect((await fetch(`${hub.url}/health`)).status).toBe(200)
    } finally {
      expect(await hub.stop()).toBe(0)
    }
    expect(() => statSync(join(dataDir, 'junction.lock'))).toThrow()
  })

  it('finishes a request in flight when told to stop', async () => {
    const hub = await startHub({ cwd: workdir.path })
    const key = readFileSync(join(dataDir, 'initial-api-key'), 'utf8').trim()
    const body = JSON.stringify({ name: 'in flight' })
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = request(`${hub.url}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-length': String(body.length) },
      })
      outgoing.on('response', (response) => {
        let text = ''
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
      })
      outgoing.on('error', reject)
      outgoing.write(body.slice(0, 5))
      setTimeout(() => {
        hub.child.kill('SIGTERM')
        setTimeout(() => outgoing.end(body.slice(5)), 300)
      }, 200)
    })
    const { status, text } = await answer
    expect(status).toBe(201)
    expect(JSON.parse(text)).toMatchObject({ name: 'in flight' })
    expect(await hub.exited).toBe(0)
  })

  it('takes over the lock of a process that died', async () => {
    const hub = await startHub({ cwd: workdir.path })
    expect(await hub.stop('SIGKILL')).toBeNull()
    expect(readFileSync(join(dataDir, 'junction.lock'), 'utf8').split('\n')[0]).toBe(String(hub.child.pid))
    const keys = await runJunction(['keys', 'create', 'after crash'], { cwd: workdir.path })
    expect(keys.code).toBe(0)
    expect(keys.stdout.trim()).toMatch(/^jnc_[A-Za-z0-9_-]{43}$/)
    const listed = await runJunction(['keys', 'list'], { cwd: workdir.path })
    expect(listed.stdout).toContain('after crash')
    expect(listed.stdout).not.toContain(keys.stdout.trim())
  })
})

describe('junction start, stopped or refused before it serves', slow, () => {
  it('refuses a port in use at once, naming the flag and the variable, before creating anything', async () => {
    const workdir = temporaryDirectory()
    const { createServer } = await import('node:net')
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as { port: number }).port
      const result = await runJunction(['start', '--port', String(port)], { cwd: workdir.path })
      expect(result.code).toBe(1)
      expect(result.stderr.trim()).toBe(
        `port ${port} on 127.0.0.1 is in use: stop what uses it, or choose another with --port N or JUNCTION_PORT`,
      )
      expect(existsSync(join(workdir.path, '.junction'))).toBe(false)
    } finally {
      taken.close()
      workdir.remove()
    }
  })

  it('stops cleanly on Ctrl-C while it is still opening, and leaves no lock behind', async () => {
    const workdir = temporaryDirectory()
    const { spawn } = await import('node:child_process')
    const { freePort, junctionBin, childEnv } = await import('./helpers/cli.js')
    const child = spawn(process.execPath, [junctionBin, 'start', '--port', String(await freePort())], {
      cwd: workdir.path,
      env: childEnv(),
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const lock = join(workdir.path, '.junction', 'junction.lock')
    try {
      // The lock is taken first; creating the embedded database takes seconds after it.
      for (let attempt = 0; attempt < 3_000 && !existsSync(lock); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      expect(existsSync(lock)).toBe(true)
      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(output).toContain('stopping once the hub has opened')
      expect(existsSync(lock)).toBe(false)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      workdir.remove()
    }
  })
})

describe.runIf(postgresAdminUrl() !== null)('junction start on PostgreSQL', slow, () => {
  it('runs beside other commands and a second hub on the same database', async () => {
    const workdir = temporaryDirectory()
    const database = await createPostgresDatabase(postgresAdminUrl()!)
    const env = { JUNCTION_DATABASE_URL: database.url, JUNCTION_DATA_DIR: join(workdir.path, 'data') }
    const [first, second] = await Promise.all([
      startHub({ cwd: workdir.path, env }),
      startHub({ cwd: workdir.path, env }),
    ])
    try {
      const created = await runJunction(['keys', 'create', 'beside'], { cwd: workdir.path, env })
      expect(created.code).toBe(0)
      const key = created.stdout.trim()
      for (const hub of [first, second]) {
        const response = await fetch(`${hub.url}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } })
        expect(response.status).toBe(200)
      }
      const migrated = await runJunction(['migrate'], { cwd: workdir.path, env })
      expect(migrated.stdout).toContain('none: the database was up to date')
    } finally {
      expect(await first.stop()).toBe(0)
      expect(await second.stop()).toBe(0)
      await database.drop()
      workdir.remove()
    }
  })
})

describe('junction sandbox', slow, () => {
  it('serves the sandbox provider alone, prints its client credentials, and stops on SIGTERM', async () => {
    const workdir = temporaryDirectory()
    const { spawn } = await import('node:child_process')
    const { freePort, junctionBin, childEnv } = await import('./helpers/cli.js')
    const port = await freePort()
    const child = spawn(process.execPath, [junctionBin, 'sandbox', '--port', String(port)], {
      cwd: workdir.path,
      env: childEnv(),
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      for (let attempt = 0; attempt < 600 && !output.includes('client secret'); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect(output).toContain(`http://127.0.0.1:${port}/oauth/authorize`)
      expect(output).toMatch(/client id: junction-sandbox/)
      const me = await fetch(`http://127.0.0.1:${port}/api/me`)
      expect(me.status).toBe(401)
      const authorize = await fetch(
        `http://127.0.0.1:${port}/oauth/authorize?client_id=junction-sandbox&redirect_uri=http://127.0.0.1/cb&response_type=code&code_challenge=x&code_challenge_method=S256&state=s`,
      )
      expect(await authorize.text()).toContain('Approve')
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      workdir.remove()
    }
  })
})
