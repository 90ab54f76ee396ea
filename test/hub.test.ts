/** Opening the hub: development key file, production refusals, the first API key, and rotating off the dev key. */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/config.js'
import { ensureFirstApiKey } from '../src/hub/first-api-key.js'
import { openHub } from '../src/hub/open-hub.js'
import { capturedLogger } from './helpers/captured-logger.js'
import { runJunction, temporaryDirectory } from './helpers/cli.js'
import { credentialsContext, insertSealedConnection } from './helpers/connections.js'

const workdir = temporaryDirectory()
afterAll(() => workdir.remove())

function options(name: string, env: Record<string, string> = {}) {
  return loadConfig({ cwd: workdir.path, env: { JUNCTION_DATA_DIR: join(workdir.path, name), ...env }, file: {} })
}

describe('opening the hub', () => {
  it('generates a development key file once (0600) and says so once', async () => {
    const { logger, lines } = capturedLogger()
    const first = await openHub(options('dev'), logger)
    await first.close()
    const file = join(workdir.path, 'dev', 'encryption.key')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const content = readFileSync(file, 'utf8')
    const second = await openHub(options('dev'), logger)
    await second.close()
    expect(readFileSync(file, 'utf8')).toBe(content)
    expect(lines.filter((line) => line.includes('generated a development encryption key'))).toHaveLength(1)
    expect(lines.join('')).not.toContain(content.trim().split(':')[1])
  })

  it('refuses production without an API key, saying how to create one', async () => {
    const keys = `k1:${randomBytes(32).toString('base64')}`
    const hub = await openHub(
      options('prod', { NODE_ENV: 'production', JUNCTION_ENCRYPTION_KEYS: keys }),
      capturedLogger().logger,
    )
    try {
      const output = { isTerminal: true, print: () => undefined }
      await expect(ensureFirstApiKey(hub, output)).rejects.toThrow(
        /no API key exists: create one with `junction keys create <name>`/,
      )
      expect(existsSync(join(workdir.path, 'prod', 'encryption.key'))).toBe(false)
    } finally {
      await hub.close()
    }
  })

  it('prints the first development key only to a terminal, and never logs it', async () => {
    for (const isTerminal of [false, true]) {
      const name = `first-${isTerminal}`
      const { logger, lines } = capturedLogger()
      const hub = await openHub(options(name), logger)
      const printed: string[] = []
      try {
        await ensureFirstApiKey(hub, { isTerminal, print: (line) => printed.push(line) })
        await ensureFirstApiKey(hub, { isTerminal, print: (line) => printed.push(line) })
      } finally {
        await hub.close()
      }
      const key = readFileSync(join(workdir.path, name, 'initial-api-key'), 'utf8').trim()
      expect(key).toMatch(/^jnc_/)
      expect(printed.join('').includes(key)).toBe(isTerminal)
      expect(printed.length).toBe(isTerminal ? 1 : 0)
      expect(lines.join('')).not.toContain(key)
      expect(lines.join('')).toContain('initial-api-key')
    }
  })
})

describe('moving off the development key', () => {
  it('keeps the key file as decrypt-only, then vault rotate re-seals everything and retires it', async () => {
    const dataDir = join(workdir.path, 'moving')
    const devHub = await openHub(options('moving'), capturedLogger().logger)
    const id = await insertSealedConnection(devHub.database.db, devHub.vault, 'u_1', {
      accessToken: 'dev-sealed-token',
    })
    await devHub.close()

    const env = { JUNCTION_DATA_DIR: dataDir, JUNCTION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` }
    const both = await openHub(options('moving', env), capturedLogger().logger)
    expect(both.vault.keyIds).toEqual(['k1', 'dev'])
    await both.close()

    const rotated = await runJunction(['vault', 'rotate'], { cwd: workdir.path, env })
    expect(rotated.code).toBe(0)
    expect(rotated.stdout).toContain('re-sealed 1 values under key "k1"')
    expect(rotated.stdout).toContain('no value is left under any other key')
    expect(existsSync(join(dataDir, 'encryption.key'))).toBe(false)
    expect(existsSync(join(dataDir, 'encryption.key.retired'))).toBe(true)

    const after = await openHub(options('moving', env), capturedLogger().logger)
    try {
      expect(after.vault.keyIds).toEqual(['k1'])
      const row = await after.database.db
        .selectFrom('connections')
        .select('credentials')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      expect(after.vault.openJson(row.credentials!, credentialsContext(id))).toEqual({
        accessToken: 'dev-sealed-token',
      })
    } finally {
      await after.close()
    }
  })
})
