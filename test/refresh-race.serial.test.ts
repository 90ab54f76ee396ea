/**
 * The refresh race across processes (reference/security.md §2e): two `junction start` processes on one PostgreSQL,
 * 50 concurrent token reads of one expired connection, against a provider that rotates refresh tokens strictly.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPostgresDatabase, postgresAdminUrl } from './helpers/backends.js'
import { runJunction, startHub, temporaryDirectory } from './helpers/cli.js'
import { startFakeTokenServer } from './helpers/fake-token-server.js'

describe.runIf(postgresAdminUrl() !== null)('two processes on one PostgreSQL', () => {
  it('make exactly one refresh call for 50 concurrent readers, and the chain still refreshes afterwards', async () => {
    const workdir = temporaryDirectory()
    const database = await createPostgresDatabase(postgresAdminUrl()!)
    const provider = await startFakeTokenServer()
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(
      config,
      JSON.stringify({
        providers: {
          acme: {
            auth: { type: 'oauth2', authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token` },
            api: { baseUrl: `${provider.url}/api` },
          },
        },
        integrations: { acme: { provider: 'acme', clientId: 'c', clientSecret: 's' } },
      }),
    )
    const env = {
      JUNCTION_DATABASE_URL: database.url,
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: config,
    }
    const [first, second] = await Promise.all([
      startHub({ cwd: workdir.path, env }),
      startHub({ cwd: workdir.path, env }),
    ])
    try {
      const key = (await runJunction(['keys', 'create', 'race'], { cwd: workdir.path, env })).stdout.trim()
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
      const imported = await fetch(`${first.url}/v1/connections`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          integration: 'acme',
          userId: 'u_race',
          credentials: {
            accessToken: 'expired',
            refreshToken: provider.grant(),
            expiresAt: new Date(Date.now() - 1_000).toISOString(),
          },
        }),
      })
      expect(imported.status).toBe(201)

      const reads = Array.from({ length: 50 }, (_, index) =>
        fetch(`${(index % 2 === 0 ? first : second).url}/v1/connections/acme/u_race/token`, { headers }).then(
          async (response) => ({ status: response.status, body: (await response.json()) as { accessToken: string } }),
        ),
      )
      const answers = await Promise.all(reads)
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      expect(provider.calls.filter((call) => call.form.grant_type === 'refresh_token')).toHaveLength(1)
      expect(new Set(answers.map((answer) => answer.body.accessToken))).toEqual(new Set([provider.issued[0]]))

      const again = await fetch(`${second.url}/v1/connections/acme/u_race/refresh`, { method: 'POST', headers })
      expect(again.status).toBe(200)
      expect(provider.issued).toHaveLength(2)

      // Two connections: two calls, in parallel, across both processes.
      for (const user of ['u_pair_a', 'u_pair_b']) {
        await fetch(`${first.url}/v1/connections`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            integration: 'acme',
            userId: user,
            credentials: {
              accessToken: 'expired',
              refreshToken: provider.grant(),
              expiresAt: new Date(Date.now() - 1_000).toISOString(),
            },
          }),
        })
      }
      const before = provider.calls.length
      const pair = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          fetch(
            `${(index % 2 === 0 ? first : second).url}/v1/connections/acme/${index < 10 ? 'u_pair_a' : 'u_pair_b'}/token`,
            { headers },
          ),
        ),
      )
      expect(pair.map((response) => response.status)).toEqual(Array(20).fill(200))
      expect(provider.calls.length - before).toBe(2)
    } finally {
      await Promise.all([first.stop(), second.stop()])
      await provider.close()
      await database.drop()
      workdir.remove()
    }
  }, 60_000)

  it('with a token endpoint slower than the lease: refresh_failing, waiters get timeout, no second call in the cool-down', async () => {
    const workdir = temporaryDirectory()
    const database = await createPostgresDatabase(postgresAdminUrl()!)
    const provider = await startFakeTokenServer()
    const config = join(workdir.path, 'junction.config.json')
    writeFileSync(
      config,
      JSON.stringify({
        providers: {
          acme: {
            auth: { type: 'oauth2', authorizeUrl: `${provider.url}/a`, tokenUrl: `${provider.url}/token` },
            api: { baseUrl: `${provider.url}/api` },
          },
        },
        integrations: { acme: { provider: 'acme', clientId: 'c', clientSecret: 's' } },
      }),
    )
    const env = {
      JUNCTION_DATABASE_URL: database.url,
      JUNCTION_DATA_DIR: join(workdir.path, 'data'),
      JUNCTION_CONFIG: config,
    }
    const [first, second] = await Promise.all([
      startHub({ cwd: workdir.path, env }),
      startHub({ cwd: workdir.path, env }),
    ])
    try {
      const key = (await runJunction(['keys', 'create', 'slow'], { cwd: workdir.path, env })).stdout.trim()
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
      await fetch(`${first.url}/v1/connections`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          integration: 'acme',
          userId: 'u_slow',
          credentials: {
            accessToken: 'expired',
            refreshToken: provider.grant(),
            expiresAt: new Date(Date.now() - 1_000).toISOString(),
          },
        }),
      })
      // Slower than the hub's token timeout (20 s, below its 30 s lease).
      provider.behave({ kind: 'slow', ms: 25_000 })
      const reads = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          fetch(`${(index % 2 === 0 ? first : second).url}/v1/connections/acme/u_slow/token`, { headers }),
        ),
      )
      expect(reads.map((response) => response.status)).toEqual(Array(6).fill(504))
      expect(provider.calls).toHaveLength(1)
      const connection = (await (await fetch(`${second.url}/v1/connections/acme/u_slow`, { headers })).json()) as {
        status: string
      }
      expect(connection.status).toBe('refresh_failing')
      expect((await fetch(`${first.url}/v1/connections/acme/u_slow/token`, { headers })).status).toBe(502)
      expect(provider.calls).toHaveLength(1)
    } finally {
      await Promise.all([first.stop(), second.stop()])
      await provider.close()
      await database.drop()
      workdir.remove()
    }
  }, 60_000)
})
