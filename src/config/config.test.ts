import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { configError, loadTestConfig as load } from '../../test/helpers/config-load.js'

const key = `k1:${randomBytes(32).toString('base64')}`

describe('configuration', () => {
  it('has development defaults on a loopback bind with no NODE_ENV', () => {
    const options = load({})
    expect(options).toMatchObject({
      mode: 'development',
      host: '127.0.0.1',
      port: 3003,
      publicUrl: 'http://localhost:3003',
      dataDir: '/srv/app/.junction',
      sandbox: true,
      egress: { allowHttp: true, allowPrivateNetworks: true },
      integrations: {},
    })
    expect(Object.isFrozen(options)).toBe(true)
  })

  it('is production off loopback, or with NODE_ENV=production, with safe egress and no sandbox', () => {
    expect(load({}, {}, { host: '0.0.0.0' })).toMatchObject({ mode: 'production', sandbox: false })
    expect(load({}, { NODE_ENV: 'production' })).toMatchObject({
      mode: 'production',
      egress: { allowHttp: false, allowPrivateNetworks: false },
    })
    expect(load({}, { NODE_ENV: 'test' }).mode).toBe('production')
  })

  it('treats an empty variable as unset, so an empty JUNCTION_HOST still binds loopback', () => {
    expect(load({}, { JUNCTION_HOST: '', JUNCTION_PORT: '', JUNCTION_DATA_DIR: '' })).toMatchObject({
      host: '127.0.0.1',
      port: 3003,
      dataDir: '/srv/app/.junction',
      mode: 'development',
    })
  })

  it('lets a flag beat the environment, which beats the file, which beats the default', () => {
    expect(load({ port: 4000 }).port).toBe(4000)
    expect(load({ port: 4000 }, { JUNCTION_PORT: '5000' }).port).toBe(5000)
    expect(load({ port: 4000 }, { JUNCTION_PORT: '5000' }, { port: 6000 }).port).toBe(6000)
    expect(load({ host: '::1' }, { JUNCTION_HOST: 'localhost' }).host).toBe('localhost')
    expect(load({ dataDir: 'state' }, { JUNCTION_DATA_DIR: '/var/lib/junction' }).dataDir).toBe('/var/lib/junction')
    expect(load({}, { JUNCTION_SANDBOX: '0' }).sandbox).toBe(false)
  })

  it('resolves secrets from the environment and parses encryption keys', () => {
    const options = load(
      {
        encryptionKeys: { env: 'MY_KEYS' },
        integrations: {
          acme: { provider: 'slack', clientId: 'abc', clientSecret: { env: 'ACME_SECRET' }, scopes: ['read'] },
          billing: { provider: 'stripe', apiKey: { env: 'STRIPE_KEY' } },
        },
      },
      { MY_KEYS: key, ACME_SECRET: 's3cret', STRIPE_KEY: 'sk_test_123' },
    )
    expect(options.encryptionKeys.map((entry) => entry.id)).toEqual(['k1'])
    expect(options.integrations.acme).toMatchObject({ provider: 'slack', authType: 'oauth2', clientSecret: 's3cret' })
    expect(options.integrations.billing).toMatchObject({ authType: 'api_key', apiKey: 'sk_test_123' })
  })

  it('accepts a custom provider and an integration of it', () => {
    const options = load({
      providers: {
        acme: {
          auth: { type: 'oauth2', authorizeUrl: 'https://acme.example/a', tokenUrl: 'https://acme.example/t' },
          api: { baseUrl: 'https://{subdomain}.acme.example/v2', allowedHosts: ['*.acme.example'] },
          idempotency: { header: 'Idempotency-Key' },
        },
      },
      integrations: { acme: { provider: 'acme', clientId: 'a', clientSecret: 'b' } },
    })
    expect(options.providers.acme?.auth).toMatchObject({
      pkce: true,
      clientAuth: 'client_secret_basic',
      scopeSeparator: ' ',
    })
  })

  it.each([
    [{ nope: 1 }, {}, 'config error at (root): unknown key "nope"'],
    [{ port: 'x' }, {}, 'config error at port: expected number'],
    [{ integrations: { slack: { provider: 'slack' } } }, {}, 'config error at integrations.slack.clientId: required'],
    [
      { integrations: { slack: { provider: 'slack', clientId: 'a', clientSecret: { env: 'NOPE' } } } },
      {},
      'config error at integrations.slack.clientSecret: environment variable NOPE is not set',
    ],
    [
      { integrations: { x: { provider: 'nowhere' } } },
      {},
      'config error at integrations.x.provider: unknown provider "nowhere"',
    ],
    [{ integrations: { Bad: { provider: 'slack' } } }, {}, 'config error at integrations.Bad: invalid key'],
    [{}, { JUNCTION_PORT: 'eighty' }, 'config error at JUNCTION_PORT: expected a port number (0-65535)'],
    [{}, { JUNCTION_SANDBOX: 'yes' }, 'config error at JUNCTION_SANDBOX: expected 1 or 0'],
    [{}, { JUNCTION_SANDBOX: 'yes', NODE_ENV: 'production' }, 'config error at JUNCTION_SANDBOX: expected 1 or 0'],
    [{}, { JUNCTION_DATABASE_URL: 'mysql://x' }, 'config error at JUNCTION_DATABASE_URL: expected a postgres:// URL'],
    [
      {},
      { JUNCTION_EVENTS_SECRET: 'plain' },
      'config error at JUNCTION_EVENTS_SECRET: expected whsec_ followed by base64',
    ],
    [{ egress: { allowHttp: 'yes' } }, {}, 'config error at egress.allowHttp: expected boolean'],
  ])('refuses %j %j with a message naming the place', (file, env, message) => {
    expect(configError(() => load(file, env as Record<string, string>))).toBe(message)
  })

  it('refuses a templated api.baseUrl without allowedHosts, from a provider or an integration that overrides api', () => {
    const auth = { type: 'oauth2', authorizeUrl: 'https://acme.example/a', tokenUrl: 'https://acme.example/t' }
    expect(configError(() => load({ providers: { acme: { auth, api: { baseUrl: '{instance_url}/v2' } } } }))).toBe(
      'config error at providers.acme.api.allowedHosts: required when api.baseUrl has {placeholders}',
    )
    const overridden = { provider: 'github', clientId: 'a', clientSecret: 'b', api: { baseUrl: '{instance_url}/api' } }
    expect(configError(() => load({ integrations: { gh: overridden } }))).toBe(
      'config error at integrations.gh.api.allowedHosts: required when api.baseUrl has {placeholders}',
    )
    // With hosts of its own, or inheriting the provider's (Salesforce lists its domains), it is accepted.
    const withHosts = { ...overridden, api: { ...overridden.api, allowedHosts: ['*.ghe.example'] } }
    const salesforce = {
      provider: 'salesforce',
      clientId: 'a',
      clientSecret: 'b',
      api: { baseUrl: '{instance_url}/x' },
    }
    expect(Object.keys(load({ integrations: { gh: withHosts, sf: salesforce } }).integrations)).toEqual(['gh', 'sf'])
  })

  it('never echoes a secret value in a message', () => {
    const secret = 'hunter2-super-secret-value'
    const messages = [
      configError(() => load({ integrations: { a: { provider: 'stripe', apiKey: 12 } } })),
      configError(() => load({ encryptionKeys: secret })),
      configError(() => load({}, { JUNCTION_ENCRYPTION_KEYS: `k1:${secret}` })),
      configError(() => load({}, { JUNCTION_DATABASE_URL: `mysql://root:${secret}@db` })),
      configError(() => load({ databaseUrl: { env: 'DB', extra: secret } })),
      configError(() => load({ port: secret })),
      configError(() => load({ egress: { allowHttp: secret } })),
      configError(() => load({ integrations: { a: { provider: 'stripe', scopes: secret } } })),
      configError(() => load({ providers: { p: { auth: { type: secret }, api: { baseUrl: 'https://x' } } } })),
      configError(() => load({ providers: { p: { auth: { type: 'basic' }, api: { baseUrl: secret } } } })),
    ]
    for (const message of messages) expect(message).not.toContain(secret)
  })
})
