/**
 * @module A circuit breaker per key: after a run of failures (5xx responses, network errors) calls fail fast with
 * `circuit_open` for a cool-down; then a single probe is let through, and its outcome closes or reopens the circuit.
 */
import { JunctionError } from '../core/errors.js'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  failures?: number
  /** How long it stays open before one probe is allowed. @default 30_000 */
  cooldownMs?: number
  /** Milliseconds clock. @default performance.now */
  now?: () => number
}

export type CircuitState = 'closed' | 'open' | 'half_open'

/** A caller let through: `probe` is true for the one call that tests a half-open circuit. */
export interface CircuitPass {
  readonly probe: boolean
}

interface KeyState {
  consecutiveFailures: number
  openedAt: number | undefined
  probing: boolean
}

export interface CircuitBreaker {
  /** Throws `circuit_open` when the key's circuit is open; lets one probe through once the cool-down has passed. */
  enter(key: string): CircuitPass
  recordSuccess(key: string, pass: CircuitPass): void
  recordFailure(key: string, pass: CircuitPass): void
  /** The call ended without telling anything (aborted, or refused by the rate limiter): a probe slot is given back. */
  recordNeutral(key: string, pass: CircuitPass): void
  state(key: string): CircuitState
  /** Every key's state, for health reporting. */
  snapshot(): Record<string, CircuitState>
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failures ?? 5
  const cooldownMs = options.cooldownMs ?? 30_000
  const now = options.now ?? (() => performance.now())
  const keys = new Map<string, KeyState>()
  const get = (key: string) => {
    let state = keys.get(key)
    if (state === undefined) {
      state = { consecutiveFailures: 0, openedAt: undefined, probing: false }
      keys.set(key, state)
    }
    return state
  }
  const stateOf = (state: KeyState): CircuitState => {
    if (state.openedAt === undefined) return 'closed'
    return now() - state.openedAt >= cooldownMs ? 'half_open' : 'open'
  }
  const closed = { probe: false }
  const probe = { probe: true }

  return {
    enter(key) {
      // A key with no state is closed: only keys that failed lately are kept, not one per connection ever called.
      const state = keys.get(key)
      if (state === undefined) return closed
      const current = stateOf(state)
      if (current === 'closed') return closed
      if (current === 'half_open' && !state.probing) {
        state.probing = true
        return probe
      }
      const retryInMs = Math.max(0, cooldownMs - (now() - (state.openedAt ?? now())))
      throw new JunctionError('circuit_open', `calls to ${key} are paused after repeated failures`, {
        retryAfterSeconds: Math.max(1, Math.ceil(retryInMs / 1000)),
      })
    },
    recordSuccess(key) {
      keys.delete(key)
    },
    recordFailure(key, pass) {
      const state = get(key)
      if (pass.probe) {
        state.openedAt = now()
        state.probing = false
        return
      }
      // A late failure of a call sent before the circuit opened says nothing new: the cool-down is not restarted.
      if (state.openedAt !== undefined) return
      state.consecutiveFailures++
      if (state.consecutiveFailures >= threshold) state.openedAt = now()
    },
    recordNeutral(key, pass) {
      const state = keys.get(key)
      if (pass.probe && state !== undefined) state.probing = false
    },
    state: (key) => {
      const state = keys.get(key)
      return state === undefined ? 'closed' : stateOf(state)
    },
    snapshot: () => Object.fromEntries([...keys].map(([key, state]) => [key, stateOf(state)])),
  }
}
