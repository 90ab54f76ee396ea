/**
 * @module A circuit breaker per key. It counts calls once they have ended, retries included (a call that got through
 * on its third attempt is a success), over a sliding window: when at least `failures` calls failed within the last
 * `windowMs` (5xx answers, network errors, timeouts) and they are at least `failureRate` of the calls that ended
 * there, calls fail fast with `circuit_open` for `cooldownMs`; then a single probe call is let through, and its
 * outcome closes or reopens the circuit.
 *
 * A provider that fails some attempts, which retries absorb, keeps its circuit closed; one that is down opens it.
 */
import { JunctionError } from '../core/errors.js'

export interface CircuitBreakerOptions {
  /** Failed calls within the window, at the least, before the circuit may open. @default 10 */
  failures?: number
  /** Share of the calls ended within the window that failed, at the least, before the circuit opens. @default 0.5 */
  failureRate?: number
  /** How far back calls are counted (in ten slots, so to within a tenth of it). @default 10_000 */
  windowMs?: number
  /** How long it stays open before one probe is allowed. @default 30_000 */
  cooldownMs?: number
  /** Milliseconds clock. @default performance.now */
  now?: () => number
}

export type CircuitState = 'closed' | 'open' | 'half_open'

/** A call let through: `probe` is true for the one call that tests a half-open circuit. */
export interface CircuitPass {
  readonly probe: boolean
}

export interface CircuitBreaker {
  /** Before a call: throws `circuit_open` when the key's circuit is open; lets one probe through after the cool-down. */
  enter(key: string): CircuitPass
  /**
   * Before each retry of a call let through earlier: throws `circuit_open` if the circuit has opened since (its
   * retries would only add to the load of a provider that is down). The probe goes on.
   */
  reenter(key: string, pass: CircuitPass): void
  /** The call ended with an answer below 500. */
  recordSuccess(key: string, pass: CircuitPass): void
  /** The call ended failed, after its retries. */
  recordFailure(key: string, pass: CircuitPass): void
  /** The call ended without telling anything (aborted, never sent): a probe's slot is given back. */
  recordNeutral(key: string, pass: CircuitPass): void
  state(key: string): CircuitState
  /** Every key's state, for health reporting (keys with no failure lately are closed, and absent). */
  snapshot(): Record<string, CircuitState>
}

const slotCount = 10

/** What a key's window holds: calls and failures per slot of `windowMs / 10`, as a ring. */
interface KeyState {
  calls: number[]
  failed: number[]
  /** The slot last written, as a count of slots since the clock's origin. */
  lastSlot: number
  openedAt: number | undefined
  probing: boolean
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const minFailures = options.failures ?? 10
  const failureRate = options.failureRate ?? 0.5
  const slotMs = (options.windowMs ?? 10_000) / slotCount
  const cooldownMs = options.cooldownMs ?? 30_000
  const now = options.now ?? (() => performance.now())
  // Only keys with a failure in their window (or an open circuit) are kept, not one per connection ever called.
  const keys = new Map<string, KeyState>()
  let prunedAtSize = 0

  /** Moves the key's ring to the current slot, emptying the slots it skipped; returns the current slot's index. */
  const advance = (state: KeyState): number => {
    const slot = Math.floor(now() / slotMs)
    for (let skipped = state.lastSlot + 1; skipped <= slot && skipped <= state.lastSlot + slotCount; skipped++) {
      state.calls[skipped % slotCount] = 0
      state.failed[skipped % slotCount] = 0
    }
    state.lastSlot = Math.max(state.lastSlot, slot)
    return slot % slotCount
  }
  const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0)
  const failuresInWindow = (state: KeyState) => {
    advance(state)
    return sum(state.failed)
  }
  const stateOf = (state: KeyState): CircuitState => {
    if (state.openedAt === undefined) return 'closed'
    return now() - state.openedAt >= cooldownMs ? 'half_open' : 'open'
  }
  /** A closed circuit whose failures have all left the window is forgotten. */
  const forgettable = (state: KeyState) => state.openedAt === undefined && failuresInWindow(state) === 0
  /** Drops forgettable keys whenever the map has doubled since the last time: constant work per key on average. */
  const pruneNowAndThen = () => {
    if (keys.size < Math.max(64, prunedAtSize * 2)) return
    for (const [key, state] of keys) if (forgettable(state)) keys.delete(key)
    prunedAtSize = keys.size
  }
  const closed = { probe: false }
  const probe = { probe: true }
  const refuse = (key: string, state: KeyState) => {
    const retryInMs = Math.max(0, cooldownMs - (now() - (state.openedAt ?? now())))
    return new JunctionError('circuit_open', `calls to ${key} are paused after repeated failures`, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryInMs / 1000)),
    })
  }
  /** Only the probe speaks for an open circuit: calls sent before it opened end late and say nothing new. */
  const speaksFor = (state: KeyState, pass: CircuitPass) => state.openedAt === undefined || pass.probe

  return {
    enter(key) {
      const state = keys.get(key)
      if (state === undefined) return closed
      const current = stateOf(state)
      if (current === 'closed') return closed
      if (current === 'half_open' && !state.probing) {
        state.probing = true
        return probe
      }
      throw refuse(key, state)
    },
    reenter(key, pass) {
      const state = keys.get(key)
      if (state !== undefined && !speaksFor(state, pass)) throw refuse(key, state)
    },
    recordSuccess(key, pass) {
      const state = keys.get(key)
      if (state === undefined || !speaksFor(state, pass)) return
      // A probe that succeeded closes the circuit with a clean slate.
      if (pass.probe || forgettable(state)) {
        keys.delete(key)
        return
      }
      const slot = advance(state)
      state.calls[slot] = (state.calls[slot] ?? 0) + 1
    },
    recordFailure(key, pass) {
      let state = keys.get(key)
      if (state === undefined) {
        pruneNowAndThen()
        state = {
          calls: new Array(slotCount).fill(0),
          failed: new Array(slotCount).fill(0),
          lastSlot: Math.floor(now() / slotMs),
          openedAt: undefined,
          probing: false,
        }
        keys.set(key, state)
      }
      if (!speaksFor(state, pass)) return
      if (pass.probe) {
        state.openedAt = now()
        state.probing = false
        return
      }
      const slot = advance(state)
      state.calls[slot] = (state.calls[slot] ?? 0) + 1
      state.failed[slot] = (state.failed[slot] ?? 0) + 1
      const failed = sum(state.failed)
      if (failed >= minFailures && failed >= failureRate * sum(state.calls)) state.openedAt = now()
    },
    recordNeutral(key, pass) {
      const state = keys.get(key)
      if (pass.probe && state !== undefined) state.probing = false
    },
    state: (key) => {
      const state = keys.get(key)
      return state === undefined ? 'closed' : stateOf(state)
    },
    snapshot: () => {
      const states: Record<string, CircuitState> = {}
      for (const [key, state] of keys) {
        if (forgettable(state)) keys.delete(key)
        else states[key] = stateOf(state)
      }
      return states
    },
  }
}
