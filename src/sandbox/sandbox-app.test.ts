import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSandboxApp } from './sandbox-app.js'
import { createSandboxTokens } from './sandbox-tokens.js'

const secret = randomBytes(32)
const token = createSandboxTokens(secret).issue({
  kind: 'access',
  grant: 'g',
  user: 'u',
  scope: 'items:read',
  exp: Date.now() / 1000 + 60,
}).token
const call = (app: ReturnType<typeof createSandboxApp>) =>
  app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })

describe('sandbox fault injection (configuration only)', () => {
  it('answers 503 at the configured error rate', async () => {
    expect((await call(createSandboxApp(secret, { faults: { errorRate: 1 } }))).status).toBe(503)
    expect((await call(createSandboxApp(secret, { faults: { errorRate: 0 } }))).status).toBe(200)
  })

  it('adds the configured latency', async () => {
    const started = performance.now()
    await call(createSandboxApp(secret, { faults: { latencyMs: 150 } }))
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('ignores fault settings sent by a caller', async () => {
    const app = createSandboxApp(secret, {})
    const response = await app.request('/api/me?errorRate=1', {
      headers: { authorization: `Bearer ${token}`, 'x-fault': 'error' },
    })
    expect(response.status).toBe(200)
  })

  it('refuses tokens signed with another secret, and expired ones', async () => {
    const other = createSandboxTokens(randomBytes(32)).issue({
      kind: 'access',
      grant: 'g',
      user: 'u',
      scope: '',
      exp: Date.now() / 1000 + 60,
    }).token
    const expired = createSandboxTokens(secret).issue({
      kind: 'access',
      grant: 'g',
      user: 'u',
      scope: '',
      exp: Date.now() / 1000 - 1,
    }).token
    for (const bad of [other, expired]) {
      expect(
        (await createSandboxApp(secret, {}).request('/api/me', { headers: { authorization: `Bearer ${bad}` } })).status,
      ).toBe(401)
    }
  })
})
