/**
 * Two `junction start` processes on one fresh PostgreSQL database, with an `acme` integration whose token endpoint
 * is a strict fake provider, and an API key: the setting of the cross-process refresh suites and benchmark.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningHub, runJunction, startHub, temporaryDirectory } from './cli.js'
import { type FakeTokenServer, startFakeTokenServer } from './fake-token-server.js'
import { createPostgresDatabase } from './postgres-admin.js'

export interface TwoHubs {
  readonly hubs: readonly [RunningHub, RunningHub]
  readonly provider: FakeTokenServer
  /** Headers carrying an API key valid on both. */
  readonly headers: Record<string, string>
  /** Imports an acme connection for `userId` whose access token expires at `expiresAt`. */
  importConnection(userId: string, expiresAt: Date): Promise<Response>
  close(): Promise<void>
}

export async function startTwoHubs(adminUrl: string, options: { tokenExpiresIn?: number } = {}): Promise<TwoHubs> {
  const workdir = temporaryDirectory()
  const database = await createPostgresDatabase(adminUrl)
  const provider = await startFakeTokenServer(
    options.tokenExpiresIn === undefined ? {} : { expiresIn: options.tokenExpiresIn },
  )
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
  const key = (await runJunction(['keys', 'create', 'two-hubs'], { cwd: workdir.path, env })).stdout.trim()
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  return {
    hubs: [first, second],
    provider,
    headers,
    importConnection: (userId, expiresAt) =>
      fetch(`${first.url}/v1/connections`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          integration: 'acme',
          userId,
          credentials: {
            accessToken: `expired-${userId}`,
            refreshToken: provider.grant(),
            expiresAt: expiresAt.toISOString(),
          },
        }),
      }),
    async close() {
      await Promise.all([first.stop(), second.stop()])
      await provider.close()
      await database.drop()
      workdir.remove()
    },
  }
}
