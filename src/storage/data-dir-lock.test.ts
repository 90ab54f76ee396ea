import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { acquireDataDirLock } from './data-dir-lock.js'

describe('data dir lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-lock-'))
  afterEach(() => rmSync(join(dir, 'junction.lock'), { force: true }))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('holds the pid, refuses a second holder in this process, and is gone after release', () => {
    const lock = acquireDataDirLock(dir)
    expect(ownerPid(lock.path)).toBe(String(process.pid))
    expect(() => acquireDataDirLock(dir)).toThrow(`data dir in use by junction (pid ${process.pid})`)
    lock.release()
    const again = acquireDataDirLock(dir)
    again.release()
  })

  it('refuses while another live process holds it', () => {
    // pid 1 is always alive.
    writeFileSync(join(dir, 'junction.lock'), '1\n')
    expect(() => acquireDataDirLock(dir)).toThrow('data dir in use by junction (pid 1): stop it, or use the HTTP API')
  })

  it('does not take over a stale lock while another process is taking it over', () => {
    writeFileSync(join(dir, 'junction.lock'), '4194303\n')
    // Another live process (pid 1) holds the takeover guard: it alone may replace the stale lock.
    writeFileSync(join(dir, 'junction.lock.takeover'), '1\n')
    try {
      expect(() => acquireDataDirLock(dir)).toThrow(/data dir in use by junction/)
      expect(readFileSync(join(dir, 'junction.lock'), 'utf8').trim()).toBe('4194303')
    } finally {
      rmSync(join(dir, 'junction.lock.takeover'), { force: true })
    }
  })

  it('ignores a takeover guard left behind by a process that died holding it', () => {
    writeFileSync(join(dir, 'junction.lock'), '4194303\n')
    const guard = join(dir, 'junction.lock.takeover')
    writeFileSync(guard, '4194303\n')
    const longAgo = new Date(Date.now() - 60_000)
    utimesSync(guard, longAgo, longAgo)
    const lock = acquireDataDirLock(dir)
    expect(ownerPid(lock.path)).toBe(String(process.pid))
    expect(existsSync(guard)).toBe(false)
    lock.release()
  })

  it('takes over the lock of a dead process, or a garbled one', () => {
    for (const stale of ['4194303\n', 'garbage']) {
      writeFileSync(join(dir, 'junction.lock'), stale)
      const lock = acquireDataDirLock(dir)
      expect(ownerPid(lock.path)).toBe(String(process.pid))
      lock.release()
    }
  })

  it('refuses while the process that took it runs, and takes it over once its pid names another process', async () => {
    // A live process that is not this one: the lock's holder, then a program that was given a reused pid.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      await new Promise((resolve) => other.once('spawn', resolve))
      const started = readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19]
      writeFileSync(join(dir, 'junction.lock'), `${other.pid}\n${started}\n`)
      expect(() => acquireDataDirLock(dir)).toThrow(`data dir in use by junction (pid ${other.pid})`)
      // Same pid, another start time: the process that wrote the lock is gone, and its pid went to someone else.
      writeFileSync(join(dir, 'junction.lock'), `${other.pid}\n${Number(started) - 1}\n`)
      const lock = acquireDataDirLock(dir)
      expect(ownerPid(lock.path)).toBe(String(process.pid))
      lock.release()
    } finally {
      other.kill('SIGKILL')
    }
  })
})

/** The pid on the lock's first line (the second holds its start time, on Linux). */
function ownerPid(path: string): string | undefined {
  return readFileSync(path, 'utf8').split('\n')[0]
}
