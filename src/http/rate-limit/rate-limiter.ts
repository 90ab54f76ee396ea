/**
 * @module The rate limiter: per key, a GCRA token bucket (`requestsPerSecond`, `burst`) and a concurrency cap.
 * Callers queue in order instead of failing, each within its own deadline and abort signal. One caller at a time per
 * key books its start slot, so a pause learnt from a 429 applies to everyone still waiting.
 *
 * The bucket keeps one token of the provider's burst in reserve: when we pace exactly at the provider's limit, that
 * token absorbs network jitter (a request arriving a few ms early) instead of earning a 429.
 */
import type { Redis } from 'ioredis'
import { JunctionError } from '../../core/errors.js'
import { abortedError, sleep } from '../sleep.js'
import { budgetExhausted, type HeaderLookup, waitHintMs } from '../wait-hints.js'
import { type AdaptiveRate, createAdaptiveRate } from './adaptive-rate.js'
import { createFailoverRateStore } from './failover-rate-store.js'
import { gcraParams } from './gcra.js'
import { createLocalRateStore, type RateStore } from './rate-store.js'
import { createRedisRateStore } from './redis-rate-store.js'

export interface RateLimitOptions {
  /** Sustained rate; leave out when the limit is unknown (then only `adaptive` pacing applies). */
  requestsPerSecond?: number | undefined
  /** Requests that may start at once. @default requestsPerSecond, at least 1 */
  burst?: number | undefined
  /** Requests in flight at once per key. @default 10 */
  maxConcurrent?: number | undefined
  /** Learn from 429s and `remaining: 0` headers. @default true */
  adaptive?: boolean | undefined
  /**
   * Share the buckets through Redis, so that every instance draws on one budget per key. If Redis stops answering,
   * limits fall back to this process's own until it is back. Create the client with `enableOfflineQueue: false`, so
   * that commands fail at once during an outage instead of queueing.
   */
  redis?: Redis | undefined
  /** How long a Redis call may take before local limits answer instead. @default 250 */
  redisTimeoutMs?: number | undefined
  /** Told once when Redis stops answering, and once when it is back (http/ writes no logs itself). */
  onSharedStoreDown?: ((error: unknown) => void) | undefined
  onSharedStoreBack?: (() => void) | undefined
  /** Where bucket state lives, when neither memory nor `redis` fits. @default in memory */
  store?: RateStore | undefined
  /** Pause after a 429 that names no wait. @default 1_000 */
  defaultPauseMs?: number | undefined
  /** The longest pause a provider's hint can impose on a key. @default 3_600_000 (one hour) */
  maxPauseMs?: number | undefined
  /** Tuning of the adaptive rate (quiet periods). */
  probeIntervalMs?: number | undefined
  quietPeriodMs?: number | undefined
}

export interface Permit {
  /** Time spent queued for this permit. */
  readonly waitedMs: number
  release(): void
}

export interface AcquireOptions {
  signal?: AbortSignal | undefined
  /** How long the caller can wait; past it the call fails with `rate_limited` and the expected wait. */
  maxWaitMs: number
}

export interface ResponseSignal {
  status: number
  header: HeaderLookup
}

export interface RateLimiter {
  acquire(key: string, options: AcquireOptions): Promise<Permit>
  /** Feeds a response back: 429s and exhausted budgets pause the key and, when adaptive, lower its rate. */
  observe(key: string, response: ResponseSignal): void
}

interface Waiter {
  signal: AbortSignal | undefined
  deadline: number
  queuedAt: number
  resolve(permit: Permit): void
  reject(error: unknown): void
}

interface KeyQueue {
  waiting: Waiter[]
  draining: boolean
  active: number
  /**
   * Requests allowed in flight now. With an unknown limit this starts at 1 and grows by one per round trip, so that
   * the first 429 finds few requests already on their way; once the provider has refused once, pacing takes over
   * and the window is `maxConcurrent`.
   */
  window: number
  onRelease: (() => void) | undefined
  pausedUntil: number
}

function storeFor(options: RateLimitOptions): RateStore {
  if (options.redis === undefined) return createLocalRateStore()
  if (options.redis.options.enableOfflineQueue !== false) {
    // Queued during an outage, reservations would all run when Redis returns and push every instance's slots back.
    throw new JunctionError('invalid_request', 'create the Redis client for rate limits with enableOfflineQueue: false')
  }
  return createFailoverRateStore(createRedisRateStore(options.redis), createLocalRateStore(), {
    ...(options.redisTimeoutMs === undefined ? {} : { timeoutMs: options.redisTimeoutMs }),
    ...(options.onSharedStoreDown === undefined ? {} : { onFallback: options.onSharedStoreDown }),
    ...(options.onSharedStoreBack === undefined ? {} : { onRecover: options.onSharedStoreBack }),
  })
}

export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  const store = options.store ?? storeFor(options)
  const configuredRate = options.requestsPerSecond
  const burst = options.burst ?? Math.max(1, Math.round(configuredRate ?? 1))
  const effectiveBurst = burst > 1 ? burst - 1 : 1
  const maxConcurrent = options.maxConcurrent ?? 10
  const defaultPauseMs = options.defaultPauseMs ?? 1_000
  const maxPauseMs = options.maxPauseMs ?? 3_600_000
  const slowStart = options.adaptive !== false && configuredRate === undefined
  const adaptive: AdaptiveRate | undefined =
    options.adaptive === false
      ? undefined
      : createAdaptiveRate({
          requestsPerSecond: configuredRate,
          ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
          ...(options.quietPeriodMs === undefined ? {} : { quietPeriodMs: options.quietPeriodMs }),
        })
  const queues = new Map<string, KeyQueue>()
  const now = () => performance.now()
  const paramsFor = (key: string) => gcraParams(adaptive?.rate(key) ?? configuredRate, effectiveBurst)

  const queueOf = (key: string): KeyQueue => {
    let queue = queues.get(key)
    if (queue === undefined) {
      const window = slowStart ? 1 : maxConcurrent
      queue = { waiting: [], draining: false, active: 0, window, onRelease: undefined, pausedUntil: 0 }
      queues.set(key, queue)
    }
    return queue
  }

  const refuse = (waitMs: number) =>
    new JunctionError('rate_limited', 'the rate limit leaves no room for this call within its deadline', {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    })

  /** One more request in flight per round trip (each accepted response adds 1/window), as TCP grows its window. */
  function growWindow(queue: KeyQueue): void {
    if (queue.window >= maxConcurrent) return
    queue.window = Math.min(maxConcurrent, queue.window + 1 / Math.floor(queue.window))
    queue.onRelease?.()
  }

  async function waitForSlot(queue: KeyQueue, waiter: Waiter): Promise<void> {
    while (queue.active >= Math.floor(queue.window)) {
      const left = waiter.deadline - now()
      if (left <= 0) throw refuse(1_000)
      await new Promise<void>((resolve, reject) => {
        const finish = (settle: () => void) => {
          clearTimeout(timer)
          waiter.signal?.removeEventListener('abort', onAbort)
          queue.onRelease = undefined
          settle()
        }
        const timer = setTimeout(() => finish(() => reject(refuse(1_000))), left)
        const onAbort = () => finish(() => reject(abortedError()))
        waiter.signal?.addEventListener('abort', onAbort, { once: true })
        queue.onRelease = () => finish(resolve)
      })
    }
  }

  async function admit(key: string, queue: KeyQueue, waiter: Waiter): Promise<void> {
    await waitForSlot(queue, waiter)
    for (;;) {
      const pausedFor = queue.pausedUntil - now()
      if (pausedFor > 0) {
        if (pausedFor > waiter.deadline - now()) throw refuse(pausedFor)
        await sleep(pausedFor, waiter.signal)
      }
      const reservation = await store.reserve(key, paramsFor(key), Math.max(0, waiter.deadline - now()))
      if (!reservation.booked) throw refuse(reservation.waitMs)
      await sleep(reservation.waitMs, waiter.signal)
      // A 429 may have arrived while we slept: then this slot is given up and a later one booked.
      if (queue.pausedUntil <= now()) break
    }
    waiter.resolve(grant(queue, now() - waiter.queuedAt))
  }

  function grant(queue: KeyQueue, waitedMs: number): Permit {
    queue.active++
    let released = false
    return {
      waitedMs,
      release() {
        if (released) return
        released = true
        queue.active--
        queue.onRelease?.()
      },
    }
  }

  /**
   * The common case without a queue: nobody waiting, a slot free, no pause, and a local bucket with room now. The
   * permit is granted at once, without the queue's promises (this path is on every proxied call).
   */
  function grantAtOnce(key: string, queue: KeyQueue): Permit | undefined {
    if (store.reserveNow === undefined || queue.waiting.length > 0 || queue.draining) return undefined
    if (queue.active >= Math.floor(queue.window) || queue.pausedUntil > now()) return undefined
    return store.reserveNow(key, paramsFor(key)) ? grant(queue, 0) : undefined
  }

  async function drain(key: string, queue: KeyQueue): Promise<void> {
    queue.draining = true
    try {
      for (let waiter = queue.waiting[0]; waiter !== undefined; waiter = queue.waiting[0]) {
        try {
          if (waiter.signal?.aborted) throw abortedError()
          await admit(key, queue, waiter)
        } catch (error) {
          waiter.reject(error)
        }
        queue.waiting.shift()
      }
    } finally {
      queue.draining = false
    }
  }

  return {
    acquire(key, { signal, maxWaitMs }) {
      if (signal?.aborted) return Promise.reject(abortedError())
      const queue = queueOf(key)
      const immediate = grantAtOnce(key, queue)
      if (immediate !== undefined) return Promise.resolve(immediate)
      return new Promise<Permit>((resolve, reject) => {
        const at = now()
        let settled = false
        // A caller that gives up while queued, or whose deadline passes there, is answered at once; its place is
        // skipped when reached.
        const onAbort = () => settle(() => reject(abortedError()))
        const deadlineTimer = setTimeout(() => settle(() => reject(refuse(1_000))), maxWaitMs)
        const settle = (finish: () => void) => {
          if (settled) return false
          settled = true
          clearTimeout(deadlineTimer)
          signal?.removeEventListener('abort', onAbort)
          finish()
          return true
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        queue.waiting.push({
          signal,
          deadline: at + maxWaitMs,
          queuedAt: at,
          resolve: (permit) => {
            if (!settle(() => resolve(permit))) permit.release()
          },
          reject: (error) => settle(() => reject(error)),
        })
        if (!queue.draining) void drain(key, queue)
      })
    },

    observe(key, response) {
      const queue = queueOf(key)
      const refused = response.status === 429
      if (!refused) adaptive?.accepted(key)
      if (!refused && !budgetExhausted(response.header)) {
        growWindow(queue)
        return
      }
      const hintMs = waitHintMs(response.status, response.header, Date.now())
      // The budget is spent: `remaining: 0` pauses until the reset it names (without one, the window just stops
      // growing); a 429 pauses for its hint, or a default, and lowers the rate.
      if (!refused && hintMs === undefined) return
      // A provider's hint is capped: a garbled reset (decades away) must not silence a key for good.
      const pauseMs = Math.min(hintMs ?? defaultPauseMs, maxPauseMs)
      queue.pausedUntil = Math.max(queue.pausedUntil, now() + pauseMs)
      if (refused) {
        adaptive?.refused(key)
        queue.window = maxConcurrent
      }
      store.pause(key, paramsFor(key), pauseMs).catch(() => undefined)
    },
  }
}
