/**
 * The refresh race across processes (docs/security.md, "Exactly one refresh"): two `junction start` processes on one
 * PostgreSQL, concurrent token reads of expired connections, against a provider that rotates refresh tokens strictly.
 */
import { describe, expect, it } from 'vitest'
import { postgresAdminUrl } from './helpers/backends.js'
import { startTwoHubs } from './helpers/two-hubs.js'

const expired = () => new Date(Date.now() - 1_000)

describe.runIf(postgresAdminUrl() !== null)('two processes on one PostgreSQL', () => {
  it('make exactly one refresh call for 50 concurrent readers, and the chain still refreshes afterwards', async () => {
    const setting = await startTwoHubs(postgresAdminUrl()!)
    const { hubs, provider, headers } = setting
    try {
      expect((await setting.importConnection('u_race', expired())).status).toBe(201)
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          fetch(`${hubs[index % 2]!.url}/v1/connections/acme/u_race/token`, { headers }).then(async (response) => ({
            status: response.status,
            body: (await response.json()) as { accessToken: string },
          })),
        ),
      )
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      expect(provider.calls.filter((call) => call.form.grant_type === 'refresh_token')).toHaveLength(1)
      expect(new Set(answers.map((answer) => answer.body.accessToken))).toEqual(new Set([provider.issued[0]]))
      const again = await fetch(`${hubs[1].url}/v1/connections/acme/u_race/refresh`, { method: 'POST', headers })
      expect(again.status).toBe(200)
      expect(provider.issued).toHaveLength(2)

      // Two connections: two calls, in parallel, across both processes.
      await setting.importConnection('u_pair_a', expired())
      await setting.importConnection('u_pair_b', expired())
      const before = provider.calls.length
      const pair = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          fetch(`${hubs[index % 2]!.url}/v1/connections/acme/${index < 10 ? 'u_pair_a' : 'u_pair_b'}/token`, {
            headers,
          }),
        ),
      )
      expect(pair.map((response) => response.status)).toEqual(Array(20).fill(200))
      expect(provider.calls.length - before).toBe(2)
    } finally {
      await setting.close()
    }
  }, 60_000)

  it('with a token endpoint slower than the lease: refresh_failing, waiters get timeout, no second call in the cool-down', async () => {
    const setting = await startTwoHubs(postgresAdminUrl()!)
    const { hubs, provider, headers } = setting
    try {
      await setting.importConnection('u_slow', expired())
      // Slower than the hub's token timeout (20 s, below its 30 s lease).
      provider.behave({ kind: 'slow', ms: 25_000 })
      const reads = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          fetch(`${hubs[index % 2]!.url}/v1/connections/acme/u_slow/token`, { headers }),
        ),
      )
      expect(reads.map((response) => response.status)).toEqual(Array(6).fill(504))
      expect(provider.calls).toHaveLength(1)
      const connection = (await (await fetch(`${hubs[1].url}/v1/connections/acme/u_slow`, { headers })).json()) as {
        status: string
      }
      expect(connection.status).toBe('refresh_failing')
      expect((await fetch(`${hubs[0].url}/v1/connections/acme/u_slow/token`, { headers })).status).toBe(502)
      expect(provider.calls).toHaveLength(1)
    } finally {
      await setting.close()
    }
  }, 60_000)
})
