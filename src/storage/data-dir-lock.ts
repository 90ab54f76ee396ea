/**
 * @module The embedded database belongs to one process: PGlite takes no lock of its own, and two processes on the
 * same files corrupt them. `<dataDir>/junction.lock` holds the owner's pid; a lock whose process is gone is taken over.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JunctionError } from '../core/errors.js'

export interface DataDirLock {
  readonly path: string
  release(): void
}

/** Thrown when another live process holds the data dir. Its message is the one CONTRACT.md §4 gives. */
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
  writeFileSync(candidate, `${pid}\n`, { mode: 0o600 })
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
      if (readOwner(path) === pid) rmSync(path, { force: true })
    },
  }
}

/**
 * Replaces a lock whose owner is gone. Only the process holding `junction.lock.takeover` may do so, and it checks the
 * owner again once it holds it: otherwise two processes could both see the dead owner, and the second would remove
 * the lock the first had just taken.
 */
function takeOverStaleLock(path: string, candidate: string, pid: number): void {
  const guard = `${path}.takeover`
  removeIfOlderThan(guard, 10_000)
  if (!linkExclusive(candidate, guard)) throw new DataDirInUseError(readOwner(path) ?? readOwner(guard) ?? 0)
  try {
    const owner = readOwner(path)
    if (owner !== undefined && owner !== pid && isAlive(owner)) throw new DataDirInUseError(owner)
    // The owner is gone (or the pid is ours, left by an earlier process that had it): the lock is stale.
    rmSync(path, { force: true })
    if (!linkExclusive(candidate, path)) throw new DataDirInUseError(readOwner(path) ?? 0)
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

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
