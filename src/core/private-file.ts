/**
 * @module Files only this user may read (mode 0600, in a 0700 folder), written whole to a draft first so that no
 * process ever reads half of one: the data dir's generated keys and secrets.
 */
import { linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Writes the file unless it exists (another process got there first). Returns whether this call created it. */
export function writePrivateFileOnce(file: string, text: string): boolean {
  const draft = writeDraft(file, text)
  try {
    linkSync(draft, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    rmSync(draft, { force: true })
  }
}

/** Writes the file, replacing one that exists (an old file with looser permissions is replaced, not reused). */
export function replacePrivateFile(file: string, text: string): void {
  renameSync(writeDraft(file, text), file)
}

function writeDraft(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const draft = `${file}.${process.pid}.tmp`
  rmSync(draft, { force: true })
  writeFileSync(draft, text, { mode: 0o600, flag: 'wx' })
  return draft
}
