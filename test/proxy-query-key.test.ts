/**
 * The proxy for a provider that takes its API key in the query: whatever name the caller writes that a server could
 * read as the key's parameter is removed, so the provider sees only the key Junction adds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'
import { type FakeUpstream, startUpstream } from './helpers/fake-upstream.js'

describe('query-string API keys', () => {
  let h: ConnectionHarness
  let upstream: FakeUpstream

  beforeAll(async () => {
    upstream = await startUpstream()
    const [pglite] = backends()
    h = await openConnectionHarness(pglite!, {
      providers: { querykey: { auth: { type: 'api_key', query: 'api_key' }, api: { baseUrl: `${upstream.url}/q` } } },
      integrations: { querykey: { provider: 'querykey' } },
    })
    const created = await h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ integration: 'querykey', userId: 'u_1', credentials: { apiKey: 'user-query-key' } }),
    })
    expect(created.status).toBe(201)
  })
  afterAll(async () => {
    try {
      await h?.close()
    } finally {
      await upstream?.close()
    }
  })

  /** The query the provider received for a call whose query is `search`. */
  async function queryReceived(search: string): Promise<string> {
    const response = await h.app.request(`/v1/proxy/querykey/items${search}`, {
      headers: { authorization: `Bearer ${h.key}`, 'junction-user-id': 'u_1' },
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { query: string }).query
  }

  it.each([
    'api_key=caller-value',
    'API_KEY=caller-value',
    'Api_Key=caller-value',
    'api%5Fkey=caller-value',
    'api%5fkey=caller-value',
    'api%255Fkey=caller-value',
    'api_key%5B%5D=caller-value',
    'api_key[]=caller-value',
    'api_key[0]=caller-value',
    'api_key%20=caller-value',
    'api_key+=caller-value',
    '%20api_key=caller-value',
    'api.key=caller-value',
    'api_key%00x=caller-value',
  ])('removes %s, and the provider sees only the connection key', async (pair) => {
    expect(await queryReceived(`?keep=1&${pair}&also=a%20b`)).toBe('?keep=1&also=a%20b&api_key=user-query-key')
  })

  it.each([
    ['x=1;api_key=caller-value', '?x=1&api_key=user-query-key'],
    ['api_key=caller-value;x=1', '?x=1&api_key=user-query-key'],
    ['x=1;API_KEY%5B%5D=caller-value;y=2', '?x=1;y=2&api_key=user-query-key'],
  ])('removes the part of %s that names the key, with ; as a separator', async (search, received) => {
    expect(await queryReceived(`?${search}`)).toBe(received)
  })
})
