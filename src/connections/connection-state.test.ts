import { describe, expect, it } from 'vitest'
import type { TokenSet } from '../oauth/token-response.js'
import { refreshedConnection, refreshGrant, refreshStep } from './connection-state.js'
import { defaultRefreshTiming } from './refresh-policy.js'

const now = new Date('2026-01-01T12:00:00Z')
const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000)
const oauth = (refreshToken: string | undefined) =>
  ({ kind: 'oauth2', accessToken: 'at-1', refreshToken, tokenType: 'bearer', raw: undefined }) as const
const tokens = (over: Partial<TokenSet>): TokenSet => ({
  accessToken: 'at-2',
  refreshToken: undefined,
  tokenType: 'bearer',
  expiresAt: undefined,
  scopes: undefined,
  providerAccountId: undefined,
  metadata: {},
  raw: { access_token: 'at-2' } as TokenSet['raw'],
  ...over,
})

describe('the refresh step of a connection', () => {
  it.each([
    ['a connection that must be made again, even when forced', 'needs_reauth', inMinutes(60), true, 'needs_reauth'],
    ['a token far from expiry', 'active', inMinutes(60), false, 'use'],
    ['a token far from expiry, forced', 'active', inMinutes(60), true, 'refresh'],
    ['a token within the margin', 'active', inMinutes(4), false, 'refresh'],
    ['a failing connection whose token nears expiry', 'refresh_failing', inMinutes(1), false, 'refresh'],
    ['a token without an expiry', 'active', null, false, 'use'],
  ] as const)('%s: %s', (_, status, expiresAt, force, step) => {
    const row = { status, expires_at: expiresAt, last_refreshed_at: null }
    expect(refreshStep(row, force, now, defaultRefreshTiming)).toBe(step)
  })

  it('sends the refresh token, the client credentials grant for such integrations, and nothing without either', () => {
    expect(refreshGrant('oauth2', oauth('rt-1'))).toEqual({ type: 'refresh_token', refreshToken: 'rt-1' })
    expect(refreshGrant('oauth2_client_credentials', oauth(undefined))).toEqual({ type: 'client_credentials' })
    expect(refreshGrant('oauth2', oauth(undefined))).toBeUndefined()
  })

  it('keeps the old refresh token when the provider sends none, and takes a rotated one', () => {
    const row = { metadata: { team: 'a', region: 'eu' } }
    const kept = refreshedConnection(row, oauth('rt-1'), tokens({ metadata: { team: 'b' } }))
    expect(kept.credentials).toEqual({
      kind: 'oauth2',
      accessToken: 'at-2',
      refreshToken: 'rt-1',
      tokenType: 'bearer',
      raw: { access_token: 'at-2' },
    })
    expect(kept.fields).toEqual({ expiresAt: null, scopes: undefined, metadata: { team: 'b', region: 'eu' } })
    const rotated = refreshedConnection(row, oauth('rt-1'), tokens({ refreshToken: 'rt-2', expiresAt: inMinutes(60) }))
    expect(rotated.credentials.refreshToken).toBe('rt-2')
    expect(rotated.fields.expiresAt).toEqual(inMinutes(60))
  })
})
