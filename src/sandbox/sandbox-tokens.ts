/**
 * @module The sandbox's tokens: self-contained and HMAC-signed, so that they survive a restart of the hub (the
 * sandbox keeps no database). Each names its kind, grant, user, scopes and expiry.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export type SandboxTokenKind = 'code' | 'access' | 'refresh'

export interface SandboxClaims {
  kind: SandboxTokenKind
  /** One authorization: every token issued from one consent shares it. */
  grant: string
  user: string
  scope: string
  /** Epoch seconds. */
  exp: number
  /** Unique per token (rotation and reuse detection). */
  jti: string
  /** Code only: the redirect URI and PKCE challenge it was issued for. */
  redirectUri?: string
  challenge?: string
}

const prefixes: Record<SandboxTokenKind, string> = { code: 'sbc', access: 'sba', refresh: 'sbr' }

export function createSandboxTokens(secret: Buffer) {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url')
  return {
    issue(claims: Omit<SandboxClaims, 'jti'>): { token: string; claims: SandboxClaims } {
      const full: SandboxClaims = { ...claims, jti: randomBytes(9).toString('base64url') }
      const payload = Buffer.from(JSON.stringify(full)).toString('base64url')
      return { token: `${prefixes[claims.kind]}_${payload}.${mac(payload)}`, claims: full }
    },
    /** The claims of a valid, unexpired token of the given kind, else undefined. */
    verify(token: string, kind: SandboxTokenKind, nowSeconds = Date.now() / 1000): SandboxClaims | undefined {
      const match = /^(sb[car])_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token)
      if (match === null || match[1] !== prefixes[kind]) return undefined
      const [, , payload = '', signature = ''] = match
      const expected = Buffer.from(mac(payload))
      const given = Buffer.from(signature)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SandboxClaims
      return claims.kind === kind && claims.exp > nowSeconds ? claims : undefined
    },
  }
}

export type SandboxTokens = ReturnType<typeof createSandboxTokens>
