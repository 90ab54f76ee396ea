import { describe, expect, it } from 'vitest'
import { configError, loadTestConfig as load } from '../../test/helpers/config-load.js'

describe("an integration's webhookSecret", () => {
  const stripe = (webhookSecret: unknown) => ({
    integrations: { billing: { provider: 'stripe', apiKey: 'sk_test', webhookSecret } },
  })

  it('is one secret, or a list of them (every one accepted during a rotation), each a string or { env }', () => {
    expect(load(stripe('whsec_one')).integrations.billing?.webhookSecrets).toEqual(['whsec_one'])
    expect(
      load(stripe(['whsec_old', { env: 'NEW_SECRET' }]), { NEW_SECRET: 'whsec_new' }).integrations.billing
        ?.webhookSecrets,
    ).toEqual(['whsec_old', 'whsec_new'])
    expect(load(stripe(undefined)).integrations.billing?.webhookSecrets).toEqual([])
  })

  it('names the entry of a list whose variable is missing, never a value', () => {
    expect(configError(() => load(stripe(['whsec_old', { env: 'UNSET_SECRET' }])))).toBe(
      'config error at integrations.billing.webhookSecret.1: environment variable UNSET_SECRET is not set',
    )
    const empty = configError(() => load(stripe([])))
    expect(empty).toMatch(/^config error at integrations\.billing\.webhookSecret/)
  })
})

describe("a custom provider's webhooks.accountIdPath", () => {
  const provider = (webhooks: unknown) => ({
    providers: {
      acme: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: 'https://api.acme.example' }, webhooks },
    },
  })

  it('is a dotted path into the body', () => {
    const options = load(provider({ scheme: 'standard-webhooks', accountIdPath: 'data.account.id' }))
    expect(options.providers.acme?.webhooks).toEqual({ scheme: 'standard-webhooks', accountIdPath: 'data.account.id' })
  })

  it('refuses anything else, naming the path', () => {
    for (const accountIdPath of ['', 'data..id', '.id', 'data.id.', 'a b'])
      expect(configError(() => load(provider({ scheme: 'github', accountIdPath })))).toMatch(
        /^config error at providers\.acme\.webhooks\.accountIdPath/,
      )
  })
})
