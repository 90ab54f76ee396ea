import { describe, expect, it } from 'vitest'
import { createCredentialCache } from './credential-cache.js'

const use = (token: string) => ({ credentials: { kind: 'api_key' as const, apiKey: token }, metadata: {} })

describe('the credential cache', () => {
  it('keeps entries fresh for ttlMs, forgets on request, and holds at most maxEntries (the oldest go first)', () => {
    let now = 1_000
    const cache = createCredentialCache({ ttlMs: 100, maxEntries: 2 }, () => now)
    cache.set('a', 'u', { use: use('1'), expiresAt: null, lastRefreshedAt: null })
    expect(cache.get('a', 'u')?.freshUntil).toBe(1_100)
    now = 1_050
    cache.set('b', 'u', { use: use('2'), expiresAt: null, lastRefreshedAt: null })
    cache.set('c', 'u', { use: use('3'), expiresAt: null, lastRefreshedAt: null })
    expect(cache.get('a', 'u')).toBeUndefined()
    expect(cache.get('b', 'u')?.use).toEqual(use('2'))
    cache.forget('b', 'u')
    expect(cache.get('b', 'u')).toBeUndefined()
    expect(cache.get('c', 'u')?.freshUntil).toBe(1_150)
  })
})
