/**
 * @module Learning a key's rate from the provider's refusals. A 429 (or, for a limit nobody declared, a response
 * saying `remaining: 0`) lowers the rate to a little under what the provider accepted in the last second; after a
 * quiet period the rate creeps back up (quickly while the limit is still being found, slowly after), never above the
 * configured rate. An unknown limit is thus found with a few refusals, and a limit that changes is followed.
 */

export interface AdaptiveRateOptions {
  /** The configured rate, also the ceiling; undefined when the limit is unknown. */
  requestsPerSecond: number | undefined
  /** Quiet time before the rate is raised again while the limit is still being found. @default 1_000 */
  probeIntervalMs?: number
  /** Quiet time before the rate creeps up once the limit has been found. @default 5_000 */
  quietPeriodMs?: number
  /** @default 0.5 */
  minRequestsPerSecond?: number
  now?: () => number
}

interface KeyRate {
  rate: number | undefined
  /** Times the limit was reached (refused, or the budget said spent), one per episode. */
  refusals: number
  changedAt: number
  decreasedAt: number | undefined
  /** Accepted responses per 100 ms slot over the last second (a ring), and the slot last written. */
  acceptedSlots: number[]
  lastSlot: number
}

/**
 * Refusals this soon after a decrease belong to the same episode (requests already in flight when the first 429
 * came back): they do not lower the rate again.
 */
const episodeMs = 1_000
/** The last second of accepted responses is counted in ten slots of 100 ms. */
const slotMs = 100
const slotCount = 10
/** Fraction of the accepted rate to settle at after a refusal. */
const settleFactor = 0.9
/** Growth per quiet interval while finding the limit, and after. */
const probeGrowth = 2
const creepGrowth = 1.05

export interface AdaptiveRate {
  /** The rate to pace `key` at now; undefined means no pacing (limit unknown and never hit). */
  rate(key: string): number | undefined
  accepted(key: string): void
  /** The provider refused (429), or said its budget is spent (`remaining: 0`) while the limit is being learnt. */
  limitReached(key: string): void
}

export function createAdaptiveRate(options: AdaptiveRateOptions): AdaptiveRate {
  const now = options.now ?? (() => performance.now())
  const ceiling = options.requestsPerSecond ?? Number.POSITIVE_INFINITY
  const probeIntervalMs = options.probeIntervalMs ?? 1_000
  const quietPeriodMs = options.quietPeriodMs ?? 5_000
  const floor = options.minRequestsPerSecond ?? 0.5
  const keys = new Map<string, KeyRate>()

  const get = (key: string): KeyRate => {
    let state = keys.get(key)
    if (state === undefined) {
      state = {
        rate: options.requestsPerSecond,
        refusals: 0,
        changedAt: now(),
        decreasedAt: undefined,
        acceptedSlots: new Array(slotCount).fill(0),
        lastSlot: 0,
      }
      keys.set(key, state)
    }
    return state
  }
  /** Moves the ring to the slot of `at`, zeroing the slots that were skipped. Constant time per call. */
  const advance = (state: KeyRate, at: number): number => {
    const slot = Math.floor(at / slotMs)
    for (let skipped = state.lastSlot + 1; skipped <= slot && skipped <= state.lastSlot + slotCount; skipped++) {
      state.acceptedSlots[skipped % slotCount] = 0
    }
    state.lastSlot = Math.max(state.lastSlot, slot)
    return slot % slotCount
  }
  const acceptedInLastSecond = (state: KeyRate, at: number) => {
    advance(state, at)
    return state.acceptedSlots.reduce((sum, count) => sum + count, 0)
  }

  return {
    rate(key) {
      const state = get(key)
      if (state.rate === undefined || state.rate >= ceiling) return state.rate
      const at = now()
      const finding = state.refusals < 2
      if (at - state.changedAt >= (finding ? probeIntervalMs : quietPeriodMs)) {
        state.rate = Math.min(ceiling, state.rate * (finding ? probeGrowth : creepGrowth))
        state.changedAt = at
      }
      return state.rate
    },
    accepted(key) {
      const state = get(key)
      const at = now()
      const slot = advance(state, at)
      state.acceptedSlots[slot] = (state.acceptedSlots[slot] ?? 0) + 1
    },
    limitReached(key) {
      const state = get(key)
      const at = now()
      if (state.decreasedAt !== undefined && at - state.decreasedAt < episodeMs) return
      const acceptedRate = acceptedInLastSecond(state, at)
      const sending = state.rate ?? Number.POSITIVE_INFINITY
      // What the provider took in the last second is the best estimate of its limit; with nothing taken, halve
      // (or start from one a second when the limit is unknown).
      const base = acceptedRate > 0 ? Math.min(sending, acceptedRate) : state.rate === undefined ? 1 : state.rate / 2
      state.rate = Math.max(floor, base * settleFactor)
      state.refusals++
      state.changedAt = at
      state.decreasedAt = at
    },
  }
}
