/** Bad configuration through the real CLI: a one-line message naming the place, never the value, and exit code 1. */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runJunction, temporaryDirectory } from './helpers/cli.js'

const secret = `sk_live_${randomBytes(12).toString('hex')}`
const workdir = temporaryDirectory()
afterAll(() => workdir.remove())

function withConfig(name: string, content: string): string {
  const path = join(workdir.path, name)
  writeFileSync(path, content)
  return path
}

const cases: Array<{ kind: string; args: string[]; env?: Record<string, string>; message: string }> = [
  {
    kind: 'an unknown key',
    args: ['--config', withConfig('unknown.json', JSON.stringify({ integrations: {}, colour: secret }))],
    message: 'config error at (root): unknown key "colour"',
  },
  {
    kind: 'a wrong type',
    args: [
      '--config',
      withConfig('type.json', JSON.stringify({ integrations: { billing: { provider: 'stripe', apiKey: 42 } } })),
    ],
    message: 'config error at integrations.billing.apiKey: does not match any allowed form',
  },
  {
    kind: 'a secret where a number belongs',
    args: ['--config', withConfig('port.json', JSON.stringify({ port: secret }))],
    message: 'config error at port: expected number',
  },
  {
    kind: 'a missing field',
    args: [
      '--config',
      withConfig(
        'missing.json',
        JSON.stringify({ integrations: { slack: { provider: 'slack', clientSecret: secret } } }),
      ),
    ],
    message: 'config error at integrations.slack.clientId: required',
  },
  {
    kind: 'a missing environment variable',
    args: [
      '--config',
      withConfig(
        'env.json',
        JSON.stringify({ integrations: { billing: { provider: 'stripe', apiKey: { env: 'STRIPE_KEY_UNSET' } } } }),
      ),
    ],
    message: 'config error at integrations.billing.apiKey: environment variable STRIPE_KEY_UNSET is not set',
  },
  {
    kind: 'a malformed encryption key',
    args: [],
    env: { JUNCTION_ENCRYPTION_KEYS: `k1:${secret}` },
    message: 'config error at JUNCTION_ENCRYPTION_KEYS: key "k1" is not the base64 of exactly 32 bytes',
  },
  {
    kind: 'a file that is not JSON',
    args: ['--config', withConfig('broken.json', `{ "publicUrl": "${secret}", `)],
    message: `config error at ${join(workdir.path, 'broken.json')}: not valid JSON`,
  },
  {
    kind: 'a named file that does not exist',
    args: ['--config', join(workdir.path, 'absent.json')],
    message: 'config error at --config: file not found',
  },
  {
    kind: 'a bad port in the environment',
    args: [],
    env: { JUNCTION_PORT: secret },
    message: 'config error at JUNCTION_PORT: expected a port number (0-65535)',
  },
  {
    kind: 'production without an encryption key',
    args: [],
    env: { NODE_ENV: 'production' },
    message: 'config error at JUNCTION_ENCRYPTION_KEYS: required in production',
  },
  {
    kind: 'production without an API key',
    args: [],
    env: { NODE_ENV: 'production', JUNCTION_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` },
    message: 'no API key exists: create one with `junction keys create <name>`',
  },
]

describe('junction start with bad configuration', () => {
  it.each(cases)('stops on $kind', async ({ args, env, message }) => {
    const dataDir = join(workdir.path, `data-${randomBytes(4).toString('hex')}`)
    const result = await runJunction(['start', ...args], {
      cwd: workdir.path,
      env: { JUNCTION_DATA_DIR: dataDir, ...env },
    })
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr.startsWith(message)).toBe(true)
    expect(result.stderr + result.stdout).not.toContain(secret)
  })
})

describe('junction usage', () => {
  it('exits 2 with a one-line error on bad usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['start', '--port', 'abc'], /expected a port number/],
      [['keys', 'create'], /missing required argument 'name'/],
      [['keys', 'revoke', 'not-a-uuid'], /an API key id is a UUID/],
      [['keys', 'create', '   '], /a key name is 1 to 100 printable characters/],
    ]
    for (const [args, message] of cases) {
      const env = { JUNCTION_DATA_DIR: join(workdir.path, 'usage') }
      const result = await runJunction(args, { cwd: workdir.path, env })
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(result.stderr).toMatch(message)
    }
  })

  it('prints its version, exiting 0', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
      version: string
    }
    for (const flag of ['--version', '-v']) {
      const printed = await runJunction([flag], { cwd: workdir.path })
      expect(printed.code).toBe(0)
      expect(printed.stdout.trim()).toBe(version)
    }
  })

  it('prints help for the program and each command, exiting 0', async () => {
    const help = await runJunction(['--help'], { cwd: workdir.path })
    expect(help.code).toBe(0)
    for (const command of ['start', 'migrate', 'keys', 'vault']) expect(help.stdout).toContain(command)
    const keysHelp = await runJunction(['keys', '--help'], { cwd: workdir.path })
    expect(keysHelp.code).toBe(0)
    expect(keysHelp.stdout).toMatch(/create \[options\] <name>/)
  })
})
