import { describe, expect, it } from 'vitest'
import { gcraParams, pause, reserve } from './gcra.js'

describe('GCRA reservations', () => {
  const params = gcraParams(20, 5)

  it('lets a burst start at once, then spaces starts at the rate', () => {
    let tat: number | undefined
    const waits: number[] = []
    for (let index = 0; index < 8; index++) {
      const result = reserve(tat, 1_000, params, 10_000)
      tat = result.tat
      waits.push(result.reservation.waitMs)
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 50, 100, 150])
  })

  it('admits at most burst + t/T in any window', () => {
    let tat: number | undefined
    const starts: number[] = []
    for (let index = 0; index < 100; index++) {
      const now = index * 7
      const result = reserve(tat, now, params, 100_000)
      tat = result.tat
      starts.push(now + result.reservation.waitMs)
    }
    for (const start of starts) {
      expect(starts.filter((other) => other >= start && other < start + 1_000).length).toBeLessThanOrEqual(25)
    }
  })

  it('refuses, without booking, a slot later than the caller can wait', () => {
    let tat: number | undefined
    for (let index = 0; index < 5; index++) tat = reserve(tat, 0, params, 0).tat
    const refused = reserve(tat, 0, params, 20)
    expect(refused).toEqual({ reservation: { booked: false, waitMs: 50 }, tat })
  })

  it('pauses: nothing before the pause ends, and no burst right after it', () => {
    const paused = pause(undefined, 0, params, 2_000)
    expect(reserve(paused, 0, params, 10_000).reservation.waitMs).toBe(2_000)
    const first = reserve(paused, 2_000, params, 10_000)
    expect(first.reservation.waitMs).toBe(0)
    expect(reserve(first.tat, 2_000, params, 10_000).reservation.waitMs).toBe(50)
  })

  it('does not pace an unknown rate, but still honours pauses', () => {
    const unknown = gcraParams(undefined, 1)
    expect(reserve(undefined, 0, unknown, 0).reservation).toEqual({ booked: true, waitMs: 0 })
    expect(reserve(pause(undefined, 0, unknown, 500), 100, unknown, 1_000).reservation.waitMs).toBe(400)
  })
})
