/**
 * @module The embedded database belongs to one process: PGlite takes no lock of its own, and two processes on the
 * same files corrupt them. `<dataDir>/junction.lock` holds the owner's pid and, on Linux, the start time of that
 * process; a lock whose process is gone is taken over, and so is one whose pid now names another process (pids are
 * reused: after a crash and a reboot, the lock's pid may well belong to some other program).
 */
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JunctionError } from '../core/errors.js'

export interface DataDirLock {
  readonly path: string
  release(): void
}

/** Thrown when another live process holds the data dir. Its message is the one docs/cli.md ("Data-dir lock") gives. */
export class DataDirInUseError extends JunctionError {
  readonly pid: number
  constructor(pid: number) {
    super('unavailable', `data dir in use by junction (pid ${pid}): stop it, or use the HTTP API`)
    this.pid = pid
  }
}

/** Lock files this process holds, so that opening the same data dir twice in one process is refused too. */
const heldHere = new Set<string>()

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const pid = process.pid
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, 'junction.lock')
  if (heldHere.has(path)) throw new DataDirInUseError(pid)
  const candidate = `${path}.${pid}`
  writeFileSync(candidate, `${pid}\n${processStartTime(pid) ?? ''}\n`, { mode: 0o600 })
  try {
    if (!linkExclusive(candidate, path)) takeOverStaleLock(path, candidate, pid)
  } finally {
    rmSync(candidate, { force: true })
  }
  heldHere.add(path)
  let released = false
  return {
    path,
    release() {
      if (released) return
      released = true
      heldHere.delete(path)
      if (readOwner(path)?.pid === pid) rmSync(path, { force: true })
    },
  }
}

/**
 * Removes every lock this process holds, synchronously: for a process that exits before it could close what it
 * opened (a second Ctrl-C, a stop that timed out), so that the next start does not have to take a stale lock over.
 */
export function releaseHeldDataDirLocks(): void {
  for (const path of heldHere) {
    if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true })
  }
  heldHere.clear()
}

/**
 * Replaces a lock whose owner is gone. Only the process holding `junction.lock.takeover` may do so, and it checks the
 * owner again once it holds it: otherwise two processes could both see the dead owner, and the second would remove
 * the lock the first had just taken.
 */
function takeOverStaleLock(path: string, candidate: string, pid: number): void {
  const guard = `${path}.takeover`
  removeIfOlderThan(guard, 10_000)
  if (!linkExclusive(candidate, guard)) throw new DataDirInUseError(readOwner(path)?.pid ?? readOwner(guard)?.pid ?? 0)
  try {
    const owner = readOwner(path)
    if (owner !== undefined && owner.pid !== pid && isAlive(owner)) throw new DataDirInUseError(owner.pid)
    // The owner is gone (or the pid is ours, left by an earlier process that had it): the lock is stale.
    rmSync(path, { force: true })
    if (!linkExclusive(candidate, path)) throw new DataDirInUseError(readOwner(path)?.pid ?? 0)
  } finally {
    rmSync(guard, { force: true })
  }
}

/** A takeover guard left by a process that died while holding it would block every start: it expires. */
function removeIfOlderThan(path: string, ageMs: number): void {
  try {
    if (Date.now() - statSync(path).mtimeMs > ageMs) rmSync(path, { force: true })
  } catch {
    // No guard: nothing to remove.
  }
}

/** link() is atomic and fails when the target exists: of two processes taking the lock at once, exactly one wins. */
function linkExclusive(from: string, to: string): boolean {
  try {
    linkSync(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

interface LockOwner {
  pid: number
  /** The owner's start time when it took the lock (Linux); absent in a lock written elsewhere, or by an older hub. */
  startTime: string | undefined
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const [pidLine = '', startLine = ''] = readFileSync(path, 'utf8').split('\n')
    const pid = Number.parseInt(pidLine.trim(), 10)
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined
    return { pid, startTime: startLine.trim() === '' ? undefined : startLine.trim() }
  } catch {
    return undefined
  }
}

/** The lock's owner still runs: its pid exists and, when the lock says when it started, it is that same process. */
function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (owner.startTime === undefined) return true
  const now = processStartTime(owner.pid)
  return now === undefined || now === owner.startTime
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid, it names one
 * process for good. Undefined where there is no /proc.
 * @see proc(5)
 */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
