/** `junction keys create <name> --scope …` and `keys list` (docs/cli.md): the real command, on an embedded database. */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runJunction, temporaryDirectory } from './helpers/cli.js'

const workdir = temporaryDirectory()
afterAll(() => workdir.remove())

describe('junction keys with scopes', () => {
  it('creates a key of the scope asked for, admin by default, and lists each scope', async () => {
    const options = { cwd: workdir.path, env: { JUNCTION_DATA_DIR: join(workdir.path, 'data') } }
    const reader = await runJunction(['keys', 'create', 'reader', '--scope', 'read'], options)
    expect(reader.code, reader.stderr).toBe(0)
    expect(reader.stdout.trim()).toMatch(/^jnc_[A-Za-z0-9_-]{43}$/)
    expect(reader.stderr).toMatch(/^created read API key [0-9a-f-]{36} \(reader\); it is shown only now\n$/)
    const plain = await runJunction(['keys', 'create', 'operator'], options)
    expect(plain.stderr).toContain('created admin API key')

    const list = await runJunction(['keys', 'list'], options)
    expect(list.code, list.stderr).toBe(0)
    const [header, ...rows] = list.stdout.trim().split('\n')
    expect(header).toMatch(/^ID\s+NAME\s+SCOPE\s+PREFIX\s+CREATED\s+LAST USED$/)
    expect(rows.find((row) => row.includes(' reader '))).toMatch(/ reader\s+read\s+jnc_/)
    expect(rows.find((row) => row.includes(' operator '))).toMatch(/ operator\s+admin\s+jnc_/)
    expect(list.stdout).not.toContain(reader.stdout.trim())
    // Three processes each opening (and the first migrating) an embedded database: room for a busy machine.
  }, 300_000)

  it('exits 2 with a one-line error for an unknown scope', async () => {
    const options = { cwd: workdir.path, env: { JUNCTION_DATA_DIR: join(workdir.path, 'data-usage') } }
    const result = await runJunction(['keys', 'create', 'x', '--scope', 'write'], options)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/--scope <scope>.*'write' is invalid.*admin, read, metrics/)
  })
})
