/**
 * A forced refresh opens the connection's sealed credentials once: the refresh takes the credentials read with the
 * row and answers the ones it wrote, whether it comes from a 401 through the proxy or from `POST …/refresh`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { SealContext, Vault } from '../src/vault/vault.js'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

/** Connection credentials opened by every vault of this file, so far. */
const opened: string[] = []

// The real vault, counted: every opening of a connection's credentials is recorded (by row id).
vi.mock('../src/vault/vault.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/vault/vault.js')>()
  const counted = (vault: Vault): Vault => {
    const note = (context: SealContext) => {
      if (context.table === 'connections' && context.column === 'credentials') opened.push(context.rowId)
    }
    return Object.freeze({
      ...vault,
      open: (sealed: string, context: SealContext) => {
        note(context)
        return vault.open(sealed, context)
      },
      openJson: <T>(sealed: string, context: SealContext) => {
        note(context)
        return vault.openJson<T>(sealed, context)
      },
    })
  }
  return { ...real, createVault: (...args: Parameters<typeof real.createVault>) => counted(real.createVault(...args)) }
})

describe('opening credentials during a forced refresh', () => {
  let h: ConnectionHarness
  let upstream: FakeUpstream

  beforeAll(async () => {
    upstream = await startUpstream()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        echo: {
          auth: { type: 'oauth2', authorizeUrl: 'http://127.0.0.1/authorize', tokenUrl: 'http://127.0.0.1/token' },
          api: { baseUrl: `${upstream.url}/v2` },
        },
      },
      integrations: { echo: { provider: 'echo', clientId: 'c', clientSecret: 's' } },
    })
    // The echo provider refreshes at the harness's fake token server.
    const echo = h.services.integrations.get('echo')!
    if (echo.definition.auth.type === 'oauth2') echo.definition.auth.tokenUrl = `${h.provider.url}/token`
  })
  afterAll(async () => {
    await h.close()
    await upstream.close()
  })

  const importStale = async (userId: string) => {
    const response = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'echo',
        userId,
        credentials: {
          accessToken: 'stale-token',
          refreshToken: h.provider.grant(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      }),
    })
    expect(response.status).toBe(201)
  }
  const proxied = (path: string, userId: string) =>
    h.app.request(`/v1/proxy/echo/${path}`, {
      headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': userId },
    })

  it('opens them once for a 401 through the proxy, refreshed and tried again', async () => {
    await importStale('u_proxy')
    // Held in memory after a first call: that call is the only reading before the 401.
    expect((await proxied('warm', 'u_proxy')).status).toBe(200)
    opened.length = 0
    const refreshes = h.provider.calls.length
    const response = await proxied('needs-fresh-token', 'u_proxy')
    expect(response.status).toBe(200)
    expect(response.headers.get('junction-attempts')).toBe('2')
    expect(h.provider.calls.length - refreshes).toBe(1)
    expect(opened).toHaveLength(1)
  })

  it('opens them once for POST /v1/connections/:integration/:userId/refresh', async () => {
    await importStale('u_post')
    opened.length = 0
    const refreshes = h.provider.calls.length
    const response = await h.call('/v1/connections/echo/u_post/refresh', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(h.provider.calls.length - refreshes).toBe(1)
    expect(opened).toHaveLength(1)
    // And the next call sends the refreshed token, read once more from its row.
    const next = await proxied('after', 'u_post')
    expect(next.status).toBe(200)
    expect(((await next.json()) as { headers: Record<string, string> }).headers.authorization).toBe(
      `Bearer ${h.provider.issued.at(-1)}`,
    )
    expect(opened).toHaveLength(2)
  })
})
