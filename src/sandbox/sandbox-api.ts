/**
 * @module The sandbox's API, behind its bearer tokens: `GET /me`, `GET /items` (cursor paging) and `POST /items`.
 * Each token has a rate limit (429 with `Retry-After` and `X-RateLimit-*` beyond it), and the configuration may
 * inject faults (503s, reset connections, latency). Creating an item sends a signed `item.created` webhook.
 */
import { Hono } from 'hono'
import { gcraParams, reserve } from '../http/rate-limit/gcra.js'
import type { GrantRegistry } from './sandbox-oauth.js'
import type { SandboxOptions } from './sandbox-options.js'
import type { SandboxClaims, SandboxTokens } from './sandbox-tokens.js'
import { sendSandboxWebhook } from './sandbox-webhooks.js'

interface Item {
  id: string
  name: string
  createdAt: string
}

type Variables = { claims: SandboxClaims }

/** The claims of a request's live sandbox access token (`Authorization: Bearer …`), else undefined. */
export function bearerClaims(
  authorization: string | undefined,
  tokens: SandboxTokens,
  grants: GrantRegistry,
): SandboxClaims | undefined {
  const presented = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? ''
  const claims = tokens.verify(presented, 'access')
  return claims === undefined || grants.revokedGrants.has(claims.grant) ? undefined : claims
}

export function sandboxApiRoutes(
  options: SandboxOptions,
  tokens: SandboxTokens,
  grants: GrantRegistry,
): Hono<{ Variables: Variables }> {
  const limit = options.config.rateLimit ?? { requestsPerSecond: 10, burst: 10 }
  const params = gcraParams(limit.requestsPerSecond, limit.burst)
  const buckets = new Map<string, number>()
  const items = new Map<string, Item[]>()
  const random = options.random ?? Math.random
  const faults = options.config.faults ?? {}

  return new Hono<{ Variables: Variables }>()
    .use('*', async (c, next) => {
      const claims = bearerClaims(c.req.header('authorization'), tokens, grants)
      if (claims === undefined) {
        return c.json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' })
      }
      const now = performance.now()
      const booked = reserve(buckets.get(claims.jti), now, params, 0)
      if (!booked.reservation.booked) {
        const seconds = Math.max(1, Math.ceil(booked.reservation.waitMs / 1000))
        return c.json({ error: 'rate_limited' }, 429, {
          'retry-after': String(seconds),
          'x-ratelimit-limit': String(limit.requestsPerSecond),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(seconds),
        })
      }
      if (booked.tat !== undefined) buckets.set(claims.jti, booked.tat)
      if (faults.latencyMs !== undefined) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs))
      const roll = random()
      if (roll < (faults.resetRate ?? 0)) {
        // Reset the connection without an answer, as a broken load balancer would.
        const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming
        incoming?.socket?.destroy()
        return c.body(null, 500)
      }
      if (roll < (faults.resetRate ?? 0) + (faults.errorRate ?? 0)) return c.json({ error: 'unavailable' }, 503)
      c.set('claims', claims)
      c.header('x-ratelimit-limit', String(limit.requestsPerSecond))
      await next()
      return undefined
    })
    .get('/me', (c) => {
      const claims = c.get('claims')
      return c.json({
        id: `sandbox-${claims.user}`,
        name: `Sandbox user ${claims.user}`,
        scopes: claims.scope.split(' ').filter(Boolean),
      })
    })
    .get('/items', (c) => {
      const all = items.get(c.get('claims').user) ?? []
      const pageSize = Math.min(100, Math.max(1, Number(c.req.query('limit') ?? 20) || 20))
      const start = Math.max(0, Number(c.req.query('cursor') ?? 0) || 0)
      const data = all.slice(start, start + pageSize)
      const next = start + pageSize < all.length ? String(start + pageSize) : null
      return c.json({ data, nextCursor: next })
    })
    .post('/items', async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { name?: unknown }
      if (typeof body.name !== 'string' || body.name.length === 0 || body.name.length > 200) {
        return c.json({ error: 'name is a string of 1 to 200 characters' }, 400)
      }
      const user = c.get('claims').user
      const list = items.get(user) ?? []
      const item = { id: `item_${list.length + 1}`, name: body.name, createdAt: new Date().toISOString() }
      list.push(item)
      items.set(user, list)
      // As a provider would, the change is announced to the app's webhook endpoint; this answer does not wait for it.
      if (options.webhooks !== undefined)
        void sendSandboxWebhook(options.webhooks, { type: 'item.created', accountId: `sandbox-${user}`, data: item })
      return c.json(item, 201)
    })
}
