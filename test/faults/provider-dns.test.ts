/**
 * A provider host that does not resolve is the provider's network failure (502 `network_error`), not a database
 * outage: its `ENOTFOUND` is the same code a database host that does not resolve would give, but it was already
 * classified by the HTTP client. (`.invalid` never resolves, RFC 6761 §6.4, so no network is needed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from '../helpers/connection-harness.js'

describe('a proxied call to a provider host that does not resolve', () => {
  let h: ConnectionHarness
  beforeAll(async () => {
    h = await openConnectionHarness(backends()[0]!, {
      providers: {
        nowhere: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: 'http://does-not-exist.invalid' } },
      },
      integrations: { nowhere: { provider: 'nowhere', apiKey: 'app-level-key' } },
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('answers 502 network_error with Junction-Error, not 503 unavailable', async () => {
    const response = await h.call('/v1/proxy/nowhere/items', { headers: { 'junction-retries': '0' } })
    expect(response.status).toBe(502)
    expect(response.headers.get('junction-error')).toBe('network_error')
    expect(await response.json()).toMatchObject({ error: { code: 'network_error' } })
    // The database answers all along: /health says so.
    expect((await h.app.request('/health')).status).toBe(200)
  })

  it('is logged as the provider failure it is', async () => {
    await h.call('/v1/proxy/nowhere/logged', { headers: { 'junction-retries': '0' } })
    await h.services.callLog.flush()
    const row = await h.database.db
      .selectFrom('api_logs')
      .select(['status_code', 'error_message'])
      .where('endpoint', '=', '/logged')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status_code: 502, error_message: 'network_error' })
  })
})
