/** The response cache's configuration: the top-level `cache` and an integration's `cache` switch. */
import { describe, expect, it } from 'vitest'
import { configError, loadTestConfig as load } from '../../test/helpers/config-load.js'

const integration = { provider: 'stripe', apiKey: 'sk_test_x' }

describe('cache configuration', () => {
  it('defaults to memory, 64 MiB, 1 MiB per entry, and every integration off', () => {
    const options = load({ integrations: { billing: integration } })
    expect(options.cache).toEqual({ store: 'memory', maxBytes: 67_108_864, maxEntryBytes: 1_048_576 })
    expect(options.integrations.billing?.cache).toBe(false)
  })

  it('takes every key, and an integration switched on', () => {
    const options = load(
      {
        cache: { store: 'redis', maxBytes: 1_000_000, maxEntryBytes: 10_000 },
        integrations: { billing: { ...integration, cache: true } },
      },
      { JUNCTION_REDIS_URL: 'redis://127.0.0.1:6379' },
    )
    expect(options.cache).toEqual({ store: 'redis', maxBytes: 1_000_000, maxEntryBytes: 10_000 })
    expect(options.integrations.billing?.cache).toBe(true)
  })

  it('refuses store redis without redisUrl, naming both keys', () => {
    const message = configError(() => load({ cache: { store: 'redis' } }))
    expect(message).toContain('cache.store')
    expect(message).toContain('redisUrl')
    expect(load({ cache: { store: 'redis' }, redisUrl: 'redis://127.0.0.1:6379' }).cache.store).toBe('redis')
  })

  it.each([
    [{ cache: { ttl: 5 } }, 'cache'],
    [{ cache: { store: 'disk' } }, 'cache.store'],
    [{ cache: { maxBytes: 0 } }, 'cache.maxBytes'],
    [{ cache: { maxBytes: 1.5e6 + 0.5 } }, 'cache.maxBytes'],
    [{ cache: { maxEntryBytes: -1 } }, 'cache.maxEntryBytes'],
    [{ cache: { maxEntryBytes: 11 * 1024 * 1024 } }, 'cache.maxEntryBytes'],
    [{ cache: { maxBytes: 100_000, maxEntryBytes: 200_000 } }, 'cache.maxEntryBytes'],
    [{ cache: { maxBytes: '64MiB' } }, 'cache.maxBytes'],
    [{ integrations: { billing: { ...integration, cache: 'yes' } } }, 'integrations.billing.cache'],
  ])('refuses %j at %s', (file, path) => {
    expect(configError(() => load(file))).toContain(path)
  })
})
