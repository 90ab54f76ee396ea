import { describe, expect, it } from 'vitest'
import { createMethodRateLimits } from './method-rate-limits.js'

describe('createMethodRateLimits', () => {
  const limits = createMethodRateLimits(
    {
      methodRateLimits: {
        '/users.list': { requestsPerSecond: 1 / 3, burst: 3, per: 'connection' },
        '/team.info': { requestsPerSecond: 1, burst: 1, per: 'integration' },
      },
    },
    undefined,
  )

  it('has no limit for a method without one of its own', () => {
    expect(limits.forCall('/chat.postMessage', 'slack', 'u_1')).toBeUndefined()
    expect(createMethodRateLimits({}, undefined).forCall('/users.list', 'slack', 'u_1')).toBe(undefined)
  })

  it("keys a per-connection method's budget by connection, and a per-integration one by integration", () => {
    const first = limits.forCall('/users.list', 'slack', 'u_1')
    const second = limits.forCall('/users.list', 'slack', 'u_2')
    expect(first?.key).not.toBe(second?.key)
    expect(first?.limiter).toBe(second?.limiter)
    const shared = ['u_1', 'u_2'].map((userId) => limits.forCall('/team.info', 'slack', userId)?.key)
    expect(shared[0]).toBe(shared[1])
    // Each method has its own budget: never the same key as another method's.
    expect(limits.forCall('/team.info', 'slack', 'u_1')?.key).not.toBe(first?.key)
  })

  it('keys an app-level call (no user) by integration', () => {
    expect(limits.forCall('/users.list', 'slack', undefined)?.key).toBe('slack /users.list')
  })
})
