/**
 * The re-entry guard works only for transactions opened through `withTransaction`, so no other code may call
 * Kysely's `.transaction()` directly (on PGlite that could wait for itself forever).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const sourceRoot = join(import.meta.dirname, '../src')

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

describe('transactions', () => {
  it('are opened only through withTransaction', () => {
    const offenders = sourceFiles(sourceRoot)
      .filter((file) => !file.endsWith('reentry-guard.ts'))
      .filter((file) => /\.transaction\(\)/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(sourceRoot, file))
    expect(offenders).toEqual([])
  })
})
