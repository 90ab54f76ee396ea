/**
 * @module A shared store (Redis) with a local one behind it. When the shared store fails or does not answer in
 * time, calls carry on under local limits; the switch is reported once, and the shared store is tried again now and
 * then until it answers, when sharing resumes (reported once too).
 */
import type { GcraParams, Reservation } from './gcra.js'
import type { RateStore } from './rate-store.js'

export interface FailoverOptions {
  /** How long a shared-store call may take before the local store answers instead. @default 250 */
  timeoutMs?: number
  /** How often the shared store is tried again while it is down. @default 1_000 */
  retryEveryMs?: number
  onFallback?: (error: unknown) => void
  onRecover?: () => void
  now?: () => number
}

export function createFailoverRateStore(shared: RateStore, local: RateStore, options: FailoverOptions = {}): RateStore {
  const timeoutMs = options.timeoutMs ?? 250
  const retryEveryMs = options.retryEveryMs ?? 1_000
  const now = options.now ?? (() => performance.now())
  let downSince: number | undefined
  let lastTry = 0

  async function run<T>(operation: (store: RateStore) => Promise<T>): Promise<T> {
    if (downSince !== undefined && now() - lastTry < retryEveryMs) return operation(local)
    lastTry = now()
    try {
      const result = await withTimeout(operation(shared), timeoutMs)
      // Decided when the answer comes, not when the call left: several calls may be in flight across a switch.
      if (downSince !== undefined) {
        downSince = undefined
        options.onRecover?.()
      }
      return result
    } catch (error) {
      if (downSince === undefined) {
        downSince = now()
        options.onFallback?.(error)
      }
      return operation(local)
    }
  }

  return {
    reserve: (key: string, params: GcraParams, maxWaitMs: number): Promise<Reservation> =>
      run((store) => store.reserve(key, params, maxWaitMs)),
    pause: (key: string, params: GcraParams, pauseMs: number) => run((store) => store.pause(key, params, pauseMs)),
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  promise.catch(() => undefined)
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
