/**
 * `/openapi.json` passes Redocly's lint with its recommended rules made strict (every warning an error), and the lint
 * does fail on a flawed document, so a pass means something. `npm run lint:openapi` runs this file alone.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiRoutes } from '../src/server/routes/openapi.js'

const redoclyBin = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js')

interface LintResult {
  code: number | null
  problems: Array<{ ruleId: string; severity: string; message: string }>
}

/** Runs `redocly lint` on a document, with no telemetry and no update check (no test talks off this machine). */
function lint(dir: string, document: unknown): Promise<LintResult> {
  const file = join(dir, `openapi-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(document, null, 2))
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [redoclyBin, 'lint', '--config', join(dir, 'redocly.yaml'), '--format=json', file],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const start = stdout.indexOf('{')
        if (start === -1) return reject(new Error(`redocly printed no report: ${stderr}`))
        const report = JSON.parse(stdout.slice(start)) as { problems: LintResult['problems'] }
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          problems: report.problems,
        })
      },
    )
  })
}

describe('the OpenAPI description under Redocly lint', () => {
  let dir: string
  let document: { paths: Record<string, Record<string, Record<string, unknown>>> }
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-openapi-'))
    writeFileSync(join(dir, 'redocly.yaml'), 'extends:\n  - recommended-strict\n')
    // The document exactly as the app serves it at /openapi.json, without a server.
    const response = await openApiRoutes().request('/')
    expect(response.status).toBe(200)
    document = (await response.json()) as typeof document
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('has no problem at all under the recommended rules', async () => {
    const result = await lint(dir, document)
    expect(result.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([])
    expect(result.code).toBe(0)
  })

  it('fails on a document with an operation missing its operationId', async () => {
    const flawed = structuredClone(document)
    delete flawed.paths['/v1/logs']!.get!.operationId
    const result = await lint(dir, flawed)
    expect(result.code).not.toBe(0)
    expect(result.problems).toContainEqual(
      expect.objectContaining({ ruleId: 'operation-operationId', severity: 'error' }),
    )
  })
})
