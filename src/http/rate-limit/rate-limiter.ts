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
import { type AnnouncedLimit, readAnnouncedLimit } from './announced-limit.js'
import { createFailoverRateStore } from './failover-rate-store.js'
import { gcraParams } from './gcra.js'
import { createLocalRateStore, type RateStore } from './rate-store.js'
import { createRedisRateStore } from './redis-rate-store.js'

export interface RateLimitOptions {
  /** Sustained rate; leave out when the limit is unknown (then only `adaptive` pacing applies). */
  requestsPerSecond?: number | undefined
  /** Requests that may start at once. @default requestsPerSecond, at least 1 */
  burst?: number | undefined
  /**
   * Requests in flight at once per key. With no `requestsPerSecond`, this alone bounds what is sent until the
   * provider first refuses. @default 256
   */
  maxConcurrent?: number | undefined
  /**
   * Learn from 429s and `remaining: 0` headers: with no `requestsPerSecond`, nothing is paced until the provider first
   * refuses, then the rate is learnt from what it accepted. @default true
   */
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
  onRelease: (() => void) | undefined
  pausedUntil: number
  /** The window quota the provider announced (`RateLimit-Policy`, HubSpot's max): the key's burst from then on. */
  announcedBurst: number | undefined
  /** That window's length, in ms. */
  announcedWindowMs: number | undefined
}

/**
 * Requests in flight per key unless told otherwise. It is a guard against runaway fan-out, not a guess at the
 * provider's limit: with no declared rate this is all that bounds a burst until the provider first refuses, so it is
 * high enough that 200 calls to a slow provider go out in one round trip (at 10, they took twenty), and it matches
 * the transport's sockets per origin, so calls wait here, in order and within their deadlines, rather than in its pool.
 */
export const defaultMaxConcurrent = 256

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
  const effectiveBurst = keepOneInReserve(burst)
  /** A burst the user chose, which an announced window quota may lower but never raise. */
  const chosenBurst = options.burst ?? (configuredRate === undefined ? Number.POSITIVE_INFINITY : burst)
  const maxConcurrent = options.maxConcurrent ?? defaultMaxConcurrent
  const defaultPauseMs = options.defaultPauseMs ?? 1_000
  const maxPauseMs = options.maxPauseMs ?? 3_600_000
  const adaptive: AdaptiveRate | undefined =
    options.adaptive === false
      ? undefined
      : createAdaptiveRate({
          requestsPerSecond: configuredRate,
          ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
          ...(options.quietPeriodMs === undefined ? {} : { quietPeriodMs: options.quietPeriodMs }),
        })
  /** No rate configured: until the provider first refuses (or says `remaining: 0`) calls are not paced at all. */
  const learning = adaptive !== undefined && configuredRate === undefined
  const queues = new Map<string, KeyQueue>()
  const now = () => performance.now()
  const paramsFor = (key: string, queue: KeyQueue) =>
    gcraParams(
      adaptive?.rate(key) ?? configuredRate,
      queue.announcedBurst === undefined
        ? effectiveBurst
        : keepOneInReserve(Math.min(chosenBurst, queue.announcedBurst)),
    )

  const queueOf = (key: string): KeyQueue => {
    let queue = queues.get(key)
    if (queue === undefined) {
      queue = {
        waiting: [],
        draining: false,
        active: 0,
        onRelease: undefined,
        pausedUntil: 0,
        announcedBurst: undefined,
        announcedWindowMs: undefined,
      }
      queues.set(key, queue)
    }
    return queue
  }

  const refuse = (waitMs: number) =>
    new JunctionError('rate_limited', 'the rate limit leaves no room for this call within its deadline', {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    })

  async function waitForSlot(queue: KeyQueue, waiter: Waiter): Promise<void> {
    while (queue.active >= maxConcurrent) {
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
      const reservation = await store.reserve(key, paramsFor(key, queue), Math.max(0, waiter.deadline - now()))
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
    if (queue.active >= maxConcurrent || queue.pausedUntil > now()) return undefined
    return store.reserveNow(key, paramsFor(key, queue)) ? grant(queue, 0) : undefined
  }

  /**
   * Uses a limit the provider announced: its pace becomes the key's rate at once, its window quota the burst, and
   * what it says is left caps what may start now (calls still in flight counted as spent, since the count may
   * predate them).
   */
  function heed(key: string, queue: KeyQueue, announced: AnnouncedLimit): void {
    if (adaptive === undefined) return
    if (announced.requestsPerSecond !== undefined) {
      // Never slower than one call per longest pause, whatever the header says (a quota of 1 per 10 years, say).
      adaptive.announced(key, Math.max(announced.requestsPerSecond, 1000 / maxPauseMs))
      if (announced.burst !== undefined) {
        queue.announcedBurst = Math.max(1, Math.floor(announced.burst))
        queue.announcedWindowMs = (announced.burst / announced.requestsPerSecond) * 1000
      }
    }
    if (announced.remaining === undefined || queue.announcedBurst === undefined) return
    const params = paramsFor(key, queue)
    const slotsAhead = queue.active + 1 - Math.floor(announced.remaining)
    // Only when the count could bind: more left than the whole burst leaves nothing to correct.
    if (params.intervalMs > 0 && slotsAhead * params.intervalMs > -params.toleranceMs - params.intervalMs) {
      store.pause(key, params, slotsAhead * params.intervalMs).catch(() => undefined)
    }
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
      const announced = adaptive === undefined ? undefined : readAnnouncedLimit(response.header, Date.now())
      if (announced !== undefined) heed(key, queue, announced)
      const exhausted = !refused && (announced?.remaining === 0 || budgetExhausted(response.header))
      if (!refused && !exhausted) return
      // A spent window that names no reset (HubSpot's) is surely back after one whole window.
      const hintMs =
        waitHintMs(response.status, response.header, Date.now()) ??
        announced?.resetMs ??
        (exhausted ? queue.announcedWindowMs : undefined)
      // A key whose provider announced its window is not being learnt: its pace is known.
      const learningKey = learning && queue.announcedBurst === undefined
      // The budget is spent: `remaining: 0` pauses until the reset it names; a 429 pauses for its hint, or a default,
      // and lowers the rate. A `remaining: 0` naming no reset means nothing to a known limit (pacing exactly at it
      // empties the budget now and then), but while a limit is being learnt it is the provider saying "this fast is
      // the most": the rate settles there, after a pause that lets its budget refill, before any 429 is earned.
      if (exhausted && hintMs === undefined && !learningKey) return
      if (refused || learningKey) adaptive?.limitReached(key)
      const params = paramsFor(key, queue)
      // A provider's hint is capped: a garbled reset (decades away) must not silence a key for good. A spent budget
      // that names no reset, while the limit is learnt, waits one call at the rate just settled on: the provider's
      // next token is about that far away, and a 429 (with its Retry-After) is what this pause is there to avoid.
      const pauseMs = Math.min(
        hintMs ?? (refused ? defaultPauseMs : Math.min(defaultPauseMs, params.intervalMs)),
        maxPauseMs,
      )
      queue.pausedUntil = Math.max(queue.pausedUntil, now() + pauseMs)
      // An announced window that is spent comes back whole at its reset: the burst is there again then. Otherwise
      // the provider is out of room and the burst is spent too.
      const refilled = exhausted && queue.announcedBurst !== undefined
      store.pause(key, params, refilled ? pauseMs - params.toleranceMs : pauseMs).catch(() => undefined)
    },
  }
}

/** One token of a burst is kept back to absorb jitter (see the module comment); a burst of one stays one. */
function keepOneInReserve(burst: number): number {
  return burst > 1 ? burst - 1 : 1
}
