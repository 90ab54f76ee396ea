/**
 * @module Learning a key's rate from the provider's refusals. A 429 (or, for a limit nobody declared, a response
 * saying `remaining: 0`) lowers the rate to a little under what the provider was measured to accept; after a quiet
 * period the rate creeps back up (quickly while the limit is still being found, slowly after), never above the
 * configured rate. An unknown limit is thus found with a few refusals, and a limit that changes is followed. A limit
 * the provider announces in its headers is used at once: it becomes the key's rate and its ceiling.
 */

export interface AdaptiveRateOptions {
  /** The configured rate, also the ceiling; undefined when the limit is unknown. */
  requestsPerSecond: number | undefined
  /** Quiet time before the rate is doubled while the limit is still being found. @default 250 */
  probeIntervalMs?: number
  /** Quiet time before the rate creeps up once the limit has been found. @default 5_000 */
  quietPeriodMs?: number
  /** @default 0.5 */
  minRequestsPerSecond?: number
  now?: () => number
}

interface KeyRate {
  rate: number | undefined
  /** The most this key is paced at: the configured rate, or lower when the provider announced its own. */
  ceiling: number
  /** The rate the provider last announced. */
  announced: number | undefined
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
/**
 * Acceptance is also measured over the last 300 ms: while the rate is being found it doubles every probe interval,
 * so most of the last second was spent well under the limit and its count underestimates what the provider takes.
 */
const recentSlots = 3
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
  /** The provider announced its pace in headers: used at once, and never exceeded while it stands. */
  announced(key: string, requestsPerSecond: number): void
}

export function createAdaptiveRate(options: AdaptiveRateOptions): AdaptiveRate {
  const now = options.now ?? (() => performance.now())
  const ceiling = options.requestsPerSecond ?? Number.POSITIVE_INFINITY
  const probeIntervalMs = options.probeIntervalMs ?? 250
  const quietPeriodMs = options.quietPeriodMs ?? 5_000
  const floor = options.minRequestsPerSecond ?? 0.5
  const keys = new Map<string, KeyRate>()

  const get = (key: string): KeyRate => {
    let state = keys.get(key)
    if (state === undefined) {
      state = {
        rate: options.requestsPerSecond,
        ceiling,
        announced: undefined,
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
  /** Accepted responses per second: over the last second, or over the last 300 ms if that was faster. */
  const acceptedRate = (state: KeyRate, at: number) => {
    const current = advance(state, at)
    let second = 0
    let recent = 0
    for (let back = 0; back < slotCount; back++) {
      const count = state.acceptedSlots[(current - back + slotCount) % slotCount] ?? 0
      second += count
      if (back < recentSlots) recent += count
    }
    return Math.max(second, (recent * 1000) / (recentSlots * slotMs))
  }

  return {
    rate(key) {
      const state = get(key)
      if (state.rate === undefined || state.rate >= state.ceiling) return state.rate
      const at = now()
      const finding = state.refusals < 2
      if (at - state.changedAt >= (finding ? probeIntervalMs : quietPeriodMs)) {
        state.rate = Math.min(state.ceiling, state.rate * (finding ? probeGrowth : creepGrowth))
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
      const accepted = acceptedRate(state, at)
      const sending = state.rate ?? Number.POSITIVE_INFINITY
      // What the provider was measured to take is the best estimate of its limit; with nothing taken, halve (or
      // start from one a second when the limit is unknown).
      const base = accepted > 0 ? Math.min(sending, accepted) : state.rate === undefined ? 1 : state.rate / 2
      state.rate = Math.max(floor, base * settleFactor)
      state.refusals++
      state.changedAt = at
      state.decreasedAt = at
    },
    announced(key, requestsPerSecond) {
      const state = get(key)
      if (state.announced === requestsPerSecond) return
      // A new announcement replaces what was learnt; the same one repeated leaves a rate lowered by a 429 to creep.
      state.announced = requestsPerSecond
      state.ceiling = Math.min(ceiling, requestsPerSecond)
      state.rate = state.ceiling
      state.changedAt = now()
    },
  }
}
