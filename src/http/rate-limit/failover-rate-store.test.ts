import { describe, expect, it } from 'vitest'
import { createFailoverRateStore } from './failover-rate-store.js'
import { gcraParams } from './gcra.js'
import { createLocalRateStore, type RateStore } from './rate-store.js'

const params = gcraParams(10, 2)

function controllableShared() {
  let mode: 'up' | 'down' | 'hung' = 'up'
  let reserves = 0
  const local = createLocalRateStore()
  const store: RateStore = {
    reserve: (key, gcra, maxWaitMs) => {
      reserves++
      if (mode === 'down') return Promise.reject(new Error('connection refused'))
      if (mode === 'hung') return new Promise(() => undefined)
      return local.reserve(key, gcra, maxWaitMs)
    },
    pause: (key, gcra, ms) => (mode === 'up' ? local.pause(key, gcra, ms) : Promise.reject(new Error('down'))),
  }
  return { store, set: (next: typeof mode) => (mode = next), reserves: () => reserves }
}

describe('failover rate store', () => {
  it('reports a failure once, however many calls were in flight, and recovery once', async () => {
    const shared = controllableShared()
    const events: string[] = []
    const store = createFailoverRateStore(shared.store, createLocalRateStore(), {
      timeoutMs: 50,
      retryEveryMs: 0,
      onFallback: () => events.push('down'),
      onRecover: () => events.push('back'),
    })
    shared.set('down')
    const during = await Promise.all(['a', 'b', 'c'].map((key) => store.reserve(key, params, 1_000)))
    expect(during.every((reservation) => reservation.booked)).toBe(true)
    shared.set('up')
    await Promise.all(['a', 'b', 'c'].map((key) => store.reserve(key, params, 1_000)))
    expect(events).toEqual(['down', 'back'])
  })

  it('answers from the local store when the shared one hangs', async () => {
    const shared = controllableShared()
    const events: string[] = []
    const store = createFailoverRateStore(shared.store, createLocalRateStore(), {
      timeoutMs: 50,
      retryEveryMs: 10_000,
      onFallback: () => events.push('down'),
    })
    shared.set('hung')
    const started = performance.now()
    expect((await store.reserve('k', params, 1_000)).booked).toBe(true)
    // Answered after the 50 ms timeout; the bound only tells that from a hang, on a busy machine too.
    expect(performance.now() - started).toBeLessThan(5_000)
    // Until it is tried again, calls go straight to the local store: the shared one is not asked.
    const asked = shared.reserves()
    expect((await store.reserve('k', params, 1_000)).booked).toBe(true)
    expect(shared.reserves()).toBe(asked)
    expect(events).toEqual(['down'])
  })
})
