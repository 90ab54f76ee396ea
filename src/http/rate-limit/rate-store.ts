/** @module Where GCRA state lives: in this process, or in Redis for every instance to share. */
import { type GcraParams, pause, type Reservation, reserve } from './gcra.js'

export interface RateStore {
  reserve(key: string, params: GcraParams, maxWaitMs: number): Promise<Reservation>
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
    async pause(key, params, pauseMs) {
      tats.set(key, pause(tats.get(key), now(), params, pauseMs))
    },
  }
}
