import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/config.js'
import { resolveIntegration } from '../config/resolve-integration.js'
import { providerDefinitionSchema } from './definition.js'
import { builtinProviderNames, createProviderRegistry } from './registry.js'

const registry = createProviderRegistry({ publicUrl: 'http://localhost:3003', custom: {} })

describe('provider registry', () => {
  it('holds every built-in provider, each valid under the schema custom providers use', () => {
    expect([...registry.keys()].sort()).toEqual([...builtinProviderNames].sort())
    for (const provider of registry.values()) {
      expect(providerDefinitionSchema.parse(provider.definition), provider.name).toEqual(provider.definition)
    }
  })

  it('lets a custom provider of the config file take a built-in name', () => {
    const custom = createProviderRegistry({
      publicUrl: 'http://localhost:3003',
      custom: { slack: { auth: { type: 'basic' }, api: { baseUrl: 'https://slack.internal' } } },
    })
    expect(custom.get('slack')?.definition.auth.type).toBe('basic')
    expect(custom.get('slack')?.hooks.normalizeTokenResponse).toBeUndefined()
  })

  it('serves the sandbox under the public URL', () => {
    const auth = registry.get('sandbox')?.definition.auth
    expect(auth).toMatchObject({ authorizeUrl: 'http://localhost:3003/sandbox/oauth/authorize', pkce: true })
  })

  it('applies an integration overrides of URLs, API and rate limit', () => {
    const options = loadConfig({
      cwd: '/srv',
      env: {},
      file: {
        integrations: {
          'slack-staging': {
            provider: 'slack',
            clientId: 'id',
            clientSecret: 'secret',
            auth: { tokenUrl: 'https://staging.example/token' },
            api: { baseUrl: 'https://staging.example/api' },
            rateLimit: { requestsPerSecond: 2 },
          },
        },
      },
    })
    const resolved = resolveIntegration(options.integrations['slack-staging']!, registry)
    expect(resolved.definition.auth).toMatchObject({
      authorizeUrl: 'https://slack.com/oauth/v2/authorize',
      tokenUrl: 'https://staging.example/token',
      scopeSeparator: ',',
    })
    expect(resolved.definition.api).toEqual({ baseUrl: 'https://staging.example/api' })
    expect(resolved.definition.rateLimit).toEqual({ requestsPerSecond: 2, per: 'connection' })
  })
})
