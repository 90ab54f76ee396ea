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
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid))
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
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid))
    expect(existsSync(guard)).toBe(false)
    lock.release()
  })

  it('takes over the lock of a dead process, or a garbled one', () => {
    for (const stale of ['4194303\n', 'garbage']) {
      writeFileSync(join(dir, 'junction.lock'), stale)
      const lock = acquireDataDirLock(dir)
      expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid))
      lock.release()
    }
  })
})
