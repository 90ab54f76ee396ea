/** App-level integrations: their own API key, or one client-credentials token per integration, fetched once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeTokenServer, startFakeTokenServer } from './helpers/fake-token-server.js'

describe('app-level credentials', () => {
  let h: ConnectionHarness
  let shortLived: FakeTokenServer

  beforeAll(async () => {
    shortLived = await startFakeTokenServer({ expiresIn: 1 })
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: {
        machine: {
          auth: { type: 'oauth2_client_credentials', tokenUrl: `${shortLived.url}/token` },
          api: { baseUrl: `${shortLived.url}/api` },
        },
      },
      integrations: {
        machine: { provider: 'machine', clientId: 'svc', clientSecret: 'svc-secret', scopes: ['reports'] },
        billing: { provider: 'stripe', apiKey: 'sk_test_app_key' },
      },
    })
  })
  afterAll(async () => {
    await h.close()
    await shortLived.close()
  })

  it('uses the integration API key directly', async () => {
    expect(await h.services.appCredentials.get(h.services.integrations.get('billing')!)).toEqual({
      kind: 'api_key',
      apiKey: 'sk_test_app_key',
    })
  })

  it('fetches one client-credentials token for many concurrent callers, and a new one when it nears expiry', async () => {
    const machine = h.services.integrations.get('machine')!
    const credentials = await Promise.all(Array.from({ length: 20 }, () => h.services.appCredentials.get(machine)))
    expect(shortLived.calls).toHaveLength(1)
    expect(shortLived.calls[0]?.form).toEqual({ grant_type: 'client_credentials', scope: 'reports' })
    expect(
      new Set(credentials.map((credential) => (credential.kind === 'oauth2' ? credential.accessToken : ''))),
    ).toEqual(new Set([shortLived.issued[0]]))
    // Reused while fresh; a new one once less than 10% of its one-second life remains.
    await h.services.appCredentials.get(machine)
    expect(shortLived.calls).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 950))
    await h.services.appCredentials.get(machine)
    expect(shortLived.calls).toHaveLength(2)
  })

  it('refuses integrations that need a user', async () => {
    await expect(h.services.appCredentials.get(h.services.integrations.get('acme')!)).rejects.toMatchObject({
      code: 'integration_not_found',
    })
  })
})

describe('app-level credentials when the token endpoint fails', () => {
  it('keep using a still-valid token, and wait out a cool-down before asking again', async () => {
    const provider = await startFakeTokenServer({ expiresIn: 2 })
    const [pglite] = backends()
    const h = await openConnectionHarness(pglite!, {
      providers: {
        svc: {
          auth: { type: 'oauth2_client_credentials', tokenUrl: `${provider.url}/token` },
          api: { baseUrl: `${provider.url}/api` },
        },
      },
      integrations: { svc: { provider: 'svc', clientId: 'svc', clientSecret: 'secret' } },
    })
    try {
      const svc = h.services.integrations.get('svc')!
      const first = await h.services.appCredentials.get(svc)
      provider.behave({ kind: 'status', status: 503 })
      await new Promise((resolve) => setTimeout(resolve, 1_850))
      // Near expiry, the refetch fails: the old token, still valid for a moment, is used.
      expect(await h.services.appCredentials.get(svc)).toEqual(first)
      const calls = provider.calls.length
      await new Promise((resolve) => setTimeout(resolve, 300))
      // Expired now, and in the cool-down: refused without a call.
      await expect(h.services.appCredentials.get(svc)).rejects.toMatchObject({ code: 'refresh_failed' })
      expect(provider.calls.length).toBe(calls)
    } finally {
      await h.close()
      await provider.close()
    }
  })
})
