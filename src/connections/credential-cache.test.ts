import { describe, expect, it } from 'vitest'
import { createCredentialCache } from './credential-cache.js'

const use = (token: string) => ({
  credentials: { kind: 'api_key' as const, apiKey: token },
  metadata: {},
  connectionId: 'row-1',
})
const entry = (token: string) => ({ use: use(token), expiresAt: null, lastRefreshedAt: null })

describe('the credential cache', () => {
  it('keeps entries fresh for ttlMs, serves them for the grace after, and holds at most maxEntries', () => {
    let now = 1_000
    const cache = createCredentialCache({ ttlMs: 100, outageGraceMs: 50, maxEntries: 2 }, () => now)
    cache.set('a', 'u', cache.epoch(), entry('1'))
    expect(cache.get('a', 'u')).toMatchObject({ freshUntil: 1_100, servesUntil: 1_150 })
    now = 1_050
    cache.set('b', 'u', cache.epoch(), entry('2'))
    cache.set('c', 'u', cache.epoch(), entry('3'))
    expect(cache.get('a', 'u')).toBeUndefined()
    expect(cache.get('b', 'u')?.use).toEqual(use('2'))
    now = 1_200
    expect(cache.get('b', 'u')).toBeUndefined()
  })

  it('refuses a fill by a read that began before a change', () => {
    const cache = createCredentialCache({ ttlMs: 100, outageGraceMs: 0, maxEntries: 10 })
    const before = cache.epoch()
    cache.forget('a', 'u')
    cache.set('a', 'u', before, entry('old'))
    expect(cache.get('a', 'u')).toBeUndefined()
    cache.set('a', 'u', cache.epoch(), entry('new'))
    expect(cache.get('a', 'u')?.use).toEqual(use('new'))
  })

  it('keeps what a call sends, never the refresh token or the token response', () => {
    const cache = createCredentialCache({ ttlMs: 100, outageGraceMs: 0, maxEntries: 10 })
    const oauth = {
      credentials: {
        kind: 'oauth2' as const,
        accessToken: 'at',
        refreshToken: 'rt',
        tokenType: 'bearer',
        raw: { access_token: 'at', refresh_token: 'rt' } as never,
      },
      metadata: {},
      connectionId: 'row-1',
    }
    cache.set('a', 'u', cache.epoch(), { use: oauth, expiresAt: null, lastRefreshedAt: null })
    expect(JSON.stringify(cache.get('a', 'u'))).not.toContain('rt')
    expect(cache.get('a', 'u')?.use.credentials).toMatchObject({ kind: 'oauth2', accessToken: 'at' })
  })
})
