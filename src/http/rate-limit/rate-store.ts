/** @module Where GCRA state lives: in this process, or in Redis for every instance to share. */
import { type GcraParams, pause, type Reservation, reserve } from './gcra.js'

export interface RateStore {
  reserve(key: string, params: GcraParams, maxWaitMs: number): Promise<Reservation>
  /** Books a slot only if it starts now (no wait); stores that must ask a server leave this out. */
  reserveNow?(key: string, params: GcraParams): boolean
  /** Nothing starts for `key` before `pauseMs` from now. */
  pause(key: string, params: GcraParams, pauseMs: number): Promise<void>
}

/** GCRA state in memory, on a monotonic clock. */
export function createLocalRateStore(now: () => number = () => performance.now()): RateStore {
  const tats = new Map<string, number>()
  return {
    async reserve(key, params, maxWaitMs) {
      const result = reserve(tats.get(key), now(), params, maxWaitMs)
      if (result.tat !== undefined) tats.set(key, result.tat)
      return result.reservation
    },
    reserveNow(key, params) {
      const result = reserve(tats.get(key), now(), params, 0)
      if (!result.reservation.booked || result.reservation.waitMs > 0) return false
      if (result.tat !== undefined) tats.set(key, result.tat)
      return true
    },
    async pause(key, params, pauseMs) {
      tats.set(key, pause(tats.get(key), now(), params, pauseMs))
    },
  }
}
