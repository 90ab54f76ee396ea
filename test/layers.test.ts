/**
 * The import rules of `npm run lint`: layers (.dependency-cruiser.cjs, run by scripts/check-layers.sh) and Biome's
 * noImportCycles. Each is run on a small project of its own, so a forbidden import is shown to fail the step without
 * touching src/.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { temporaryDirectory } from './helpers/cli.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..')

let workdir: { path: string; remove(): void } | undefined
afterEach(() => {
  workdir?.remove()
  workdir = undefined
})

/** A project with the repository's rule files and the given source files; the outcome of one check over it. */
async function check(command: 'layers' | 'cycles', files: Record<string, string>) {
  workdir = temporaryDirectory('junction-layers-')
  const dir = workdir.path
  for (const name of ['.dependency-cruiser.cjs', 'biome.json', 'tsconfig.json'])
    copyFileSync(join(root, name), join(dir, name))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const [program, args] =
    command === 'layers'
      ? [
          process.execPath,
          [
            '--import',
            join(root, 'scripts/depcruise-typescript.mjs'),
            join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
            '--config',
            '.dependency-cruiser.cjs',
            '--output-type',
            'err',
            'src',
          ],
        ]
      : [join(root, 'node_modules/.bin/biome'), ['lint', 'src']]
  try {
    const { stdout, stderr } = await run(program, args, { cwd: dir, timeout: 60_000 })
    return { ok: true, output: stdout + stderr }
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number }
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

const module = (body: string) => `${body}\nexport const value = 1\n`

describe('the layer rules', () => {
  it('accept an import that points down a layer', async () => {
    const outcome = await check('layers', {
      'src/core/base.ts': module(''),
      'src/hub/top.ts': module("import { value as base } from '../core/base.js'\nexport const top = base"),
    })
    expect(outcome.output).toContain('no dependency violations')
    expect(outcome.ok).toBe(true)
  })

  it('refuse an import that points up a layer, naming the rule', async () => {
    const outcome = await check('layers', {
      'src/core/base.ts': module("import { value as top } from '../hub/top.js'\nexport const base = top"),
      'src/hub/top.ts': module(''),
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.output).toContain('core-imports-down-only: src/core/base.ts → src/hub/top.ts')
  })

  it('refuse a type-only import that points up a layer', async () => {
    const outcome = await check('layers', {
      'src/storage/store.ts': module("import type { Proxy } from '../proxy/proxy.js'\nexport type Uses = Proxy"),
      'src/proxy/proxy.ts': module('export interface Proxy { forward(): void }'),
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.output).toContain('storage-imports-down-only')
  })

  it('refuse a folder that has no place in the layers', async () => {
    const outcome = await check('layers', {
      'src/core/base.ts': module(''),
      'src/misc/thing.ts': module("import { value as base } from '../core/base.js'\nexport const thing = base"),
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.output).toContain('known-folders-only')
  })
})

describe("Biome's import cycle rule", () => {
  it('refuses two modules that import each other', async () => {
    const outcome = await check('cycles', {
      'src/core/a.ts': "import { b } from './b.js'\nexport const a = () => b\n",
      'src/core/b.ts': "import { a } from './a.js'\nexport const b = () => a\n",
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.output).toContain('noImportCycles')
  })
})
