import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireDataDirLock } from './data-dir-lock.js'

describe('data dir lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-lock-'))
  afterEach(() => rmSync(join(dir, 'junction.lock'), { force: true }))

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

  it('takes over the lock of a dead process, or a garbled one', () => {
    for (const stale of ['4194303\n', 'garbage']) {
      writeFileSync(join(dir, 'junction.lock'), stale)
      const lock = acquireDataDirLock(dir)
      expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid))
      lock.release()
    }
  })
})
