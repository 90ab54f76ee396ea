/**
 * The embedded database on a data dir whose disk turns read-only under it, as a failing disk does (ext4 mounted with
 * `errors=remount-ro`). A tmpfs cannot be remounted read-only while PGlite holds its files open for writing (the
 * kernel answers EBUSY), so the disk here is a small ext4 image on a loop device, turned read-only by the kernel's
 * own error path (`/sys/fs/ext4/<device>/trigger_fs_error`). It needs root and loop devices (CI runs as root;
 * elsewhere the suite is skipped unless services are required).
 *
 * PostgreSQL cannot write its WAL there and PANICs: the embedded database is finished for this process. A statement
 * on its own gets the PANIC back as an error (PostgreSQL's 42501 "Read-only file system"): Junction must report it as
 * a read-only database (503 `unavailable`), and never query PGlite again, since its next query would block the event
 * loop for good.
 *
 * Not covered, because it cannot be handled from Junction's side of PGlite 0.5.17: a PANIC at the COMMIT of an
 * explicit transaction never returns at all (the WebAssembly call blocks the thread); and what was committed shortly
 * before the disk failed may be gone once it is repaired, since PGlite runs with `fsync=off` (it overrides the
 * setting) and never asks the kernel to write anything through.
 */
import { execFileSync, fork } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Step } from './read-only-disk.script.js'

const isRoot = process.getuid?.() === 0
const required = process.env.JUNCTION_TEST_REQUIRE_SERVICES === '1'
const canLoopMount = isRoot && existsSync('/dev/loop-control') && existsSync('/usr/sbin/mkfs.ext4')
/** Past this a step counts as hung (each needs no network, no timeout: a few milliseconds). */
const promptMs = 5_000
const script = join(import.meta.dirname, 'read-only-disk.script.ts')

describe.runIf(canLoopMount)('the embedded database on a disk that turns read-only', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'junction-read-only-'))
  const image = `${mountPoint}.img`
  const dataDir = join(mountPoint, 'data')
  let device: string | undefined

  const mount = () => {
    execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, mountPoint])
    device = execFileSync('findmnt', ['-n', '-o', 'SOURCE', mountPoint]).toString().trim()
  }
  const unmount = () => {
    if (device === undefined) return
    execFileSync('umount', [mountPoint])
    // `mount -o loop` detaches its device on unmount; detach it here if it did not.
    if (execFileSync('losetup', ['-a']).toString().includes(`${device}:`)) execFileSync('losetup', ['-d', device])
    device = undefined
  }

  beforeAll(() => {
    execFileSync('truncate', ['-s', '256M', image])
    execFileSync('mkfs.ext4', ['-q', '-F', image])
    mount()
  })
  afterAll(() => {
    try {
      unmount()
    } finally {
      rmSync(image, { force: true })
      rmSync(mountPoint, { recursive: true, force: true })
    }
  })

  it('reports the refused write as a read-only database, fails every later query at once, and closes', async () => {
    const child = fork(script, [dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr?.on('data', (chunk) => {
      stderr += chunk
    })
    const steps: Step[] = []
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let guard: NodeJS.Timeout | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve())
        child.once('exit', () => reject(new Error(`the database process ended before it was ready: ${stderr}`)))
      })
      writeFileSync(`/sys/fs/ext4/${device!.replace('/dev/', '')}/trigger_fs_error`, 'junction test')
      expect(execFileSync('findmnt', ['-n', '-o', 'OPTIONS', mountPoint]).toString()).toMatch(
        /emergency_ro|(^|,)ro(,|$)/,
      )

      const closed = new Promise<'closed' | 'hung'>((resolve) => {
        child.on('message', (message: Step | 'closed') => {
          if (message === 'closed') resolve('closed')
          else steps.push(message)
        })
        // Killed rather than awaited: a wedged process runs no timer of its own.
        guard = setTimeout(() => resolve('hung'), 4 * promptMs)
      })
      child.send('go')
      expect(await closed, `steps so far: ${JSON.stringify(steps)}`).toBe('closed')
      expect(await exited).toBe(0)
    } finally {
      clearTimeout(guard)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }

    const readOnly = 'the database cannot store anything: its disk is full or it is read-only'
    expect(steps.map(({ step, ok, unavailable, message }) => ({ step, ok, unavailable, message }))).toEqual([
      { step: 'write', ok: false, unavailable: true, message: readOnly },
      { step: 'read', ok: false, unavailable: true, message: readOnly },
      { step: 'write again', ok: false, unavailable: true, message: readOnly },
      { step: 'cannotWrite', ok: true, unavailable: false, message: 'read_only' },
      { step: 'close', ok: true, unavailable: false, message: undefined },
    ])
    expect(steps.filter((step) => step.ms > promptMs)).toEqual([])
  })
})

describe.runIf(!canLoopMount && required)('the embedded database on a disk that turns read-only', () => {
  it('needs root, loop devices and mkfs.ext4 to mount a small ext4 image', () => {
    expect.fail('run the suite as root with loop devices (as CI does) so that this test can mount an ext4 image')
  })
})
