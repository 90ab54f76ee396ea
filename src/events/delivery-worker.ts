/**
 * @module The delivery worker: sends due events to the app's `events.url` and records how each attempt went
 * (docs/http-api.md, "Events"). It claims events for a short lease in a statement of its own, sends outside any
 * transaction, then records the outcome only while the claim is still its own. An attempt cut short by a crash
 * leaves a claim that runs out, and the event is due again: at least once, never lost. Each claim's attempt ends
 * (its timeout) before the claim runs out, so no two processes make the same attempt at once.
 *
 * It keeps at most `concurrency` attempts in flight and claims only as many events as it has free places, so a
 * claimed event is attempted at once rather than waiting behind others while its lease runs.
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../core/logger.js'
import type { HttpClient } from '../http/client.js'
import {
  type ClaimedEvent,
  claimDueEvents,
  type RecordedOutcome,
  recordAttempt,
} from '../storage/event-delivery-store.js'
import type { Schema } from '../storage/schema.js'
import {
  type AttemptOutcome,
  type DeliveryDecision,
  type DeliverySchedule,
  decideDelivery,
  standardWebhooksSchedule,
} from './delivery-schedule.js'
import type { EventDeliveryStats } from './delivery-stats.js'
import { sendEvent } from './send-event.js'
import { settledWithin } from './settled-within.js'

export interface DeliveryWorkerOptions {
  /** How long a claim keeps other workers off an event; an attempt cut short by a crash is made again after it. @default 30_000 */
  leaseMs: number
  /** Per attempt: a 2xx must arrive within it. Kept below the lease (at most 80% of it). @default 15_000 */
  timeoutMs: number
  /** How long the worker waits before looking again when no event was due. @default 1_000 */
  idlePollMs: number
  /** Attempts in flight at once. @default 10 */
  concurrency: number
  /** On stop, how long attempts in flight may finish before they are abandoned (their claims then run out). @default 2_000 */
  stopGraceMs: number
  /**
   * After the grace, how long the stop waits for abandoned attempts to unwind (one recording its outcome to a silent
   * database is not waited for longer). @default 500
   */
  abandonWaitMs: number
  schedule: DeliverySchedule
  /** @default Math.random */
  random: () => number
}

export const defaultDeliveryWorkerOptions: DeliveryWorkerOptions = Object.freeze({
  leaseMs: 30_000,
  timeoutMs: 15_000,
  idlePollMs: 1_000,
  concurrency: 10,
  stopGraceMs: 2_000,
  abandonWaitMs: 500,
  schedule: standardWebhooksSchedule,
  random: Math.random,
})

export interface DeliveryWorkerDeps {
  db: Kysely<Schema>
  /** One attempt per request (`retry: false` is passed), with the egress rules of the configuration. */
  http: HttpClient
  url: string
  secrets: readonly string[]
  /** Who claims: unique per process, so that a claim is recognised as this worker's own. */
  owner: string
  logger: Logger
  stats: EventDeliveryStats
  options: DeliveryWorkerOptions
}

export interface DeliveryWorker {
  /** Stops claiming, lets attempts in flight finish within the grace, abandons the rest. */
  stop(): Promise<void>
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { db, options, logger, stats } = deps
  const timeoutMs = Math.min(options.timeoutMs, Math.floor(options.leaseMs * 0.8))
  const inFlight = new Set<Promise<void>>()
  const abort = new AbortController()
  let stopping = false
  let wake: (() => void) | undefined
  let stopped: () => void = () => undefined
  const stopSignal = new Promise<void>((resolve) => {
    stopped = resolve
  })

  /** Waits `ms`, or less if the worker stops meanwhile. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      // Background work never keeps the process alive on its own.
      timer.unref()
      wake = done
      function done() {
        clearTimeout(timer)
        wake = undefined
        resolve()
      }
    })

  async function attempt(event: ClaimedEvent): Promise<void> {
    let outcome: AttemptOutcome
    try {
      outcome = await sendEvent(
        deps.http,
        { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
        { url: deps.url, secrets: deps.secrets, timeoutMs, signal: abort.signal },
      )
    } catch {
      // Abandoned by a stop: nothing is recorded, the claim runs out and the event is attempted again.
      return
    }
    const decision = decideDelivery({
      attempts: event.attempts + 1,
      outcome,
      schedule: options.schedule,
      random: options.random(),
    })
    try {
      if (!(await recordAttempt(db, { id: event.id, owner: deps.owner, outcome: recorded(decision) }))) return
    } catch (error) {
      logger.warn(
        { err: error, eventId: event.id },
        'could not record an event delivery attempt: the event will be attempted again',
      )
      return
    }
    stats.count(event.integration, decision.status === 'retrying' ? 'failed' : decision.status)
    if (decision.status === 'dead') {
      logger.warn(
        { eventId: event.id, type: event.type, attempts: event.attempts + 1, error: decision.reason },
        'an event was given up after its last attempt failed (dead)',
      )
    }
  }

  function track(event: ClaimedEvent): void {
    const running: Promise<void> = attempt(event).finally(() => inFlight.delete(running))
    inFlight.add(running)
  }

  async function run(): Promise<void> {
    let failing = false
    while (!stopping) {
      const free = options.concurrency - inFlight.size
      if (free <= 0) {
        await Promise.race([...inFlight, stopSignal])
        continue
      }
      let claimed: ClaimedEvent[]
      try {
        claimed = await claimDueEvents(db, { owner: deps.owner, limit: free, leaseMs: options.leaseMs })
        if (failing) logger.info('event delivery resumed: the database answers again')
        failing = false
      } catch (error) {
        if (!failing) logger.warn({ err: error }, 'could not claim events to deliver; trying again')
        failing = true
        await pause(options.idlePollMs)
        continue
      }
      // A stop that came while claiming: these claims run out and the events are attempted again.
      if (stopping) break
      for (const event of claimed) track(event)
      // A full claim may have left more due events: look again at once (after a place frees up, if none is left).
      if (claimed.length < free) await pause(options.idlePollMs)
    }
  }

  const running = run()

  return {
    async stop() {
      if (!stopping) {
        stopping = true
        stopped()
        wake?.()
      }
      // A claim stuck on a silent database is not waited for beyond the grace either: its claims simply run out.
      const settled = Promise.allSettled([running, ...inFlight])
      if (!(await settledWithin(settled, options.stopGraceMs))) {
        abort.abort()
        await settledWithin(settled, options.abandonWaitMs)
      }
    },
  }
}

function recorded(decision: DeliveryDecision): RecordedOutcome {
  if (decision.status === 'delivered') return { status: 'delivered' }
  if (decision.status === 'dead') return { status: 'dead', error: decision.reason }
  return { status: 'retrying', delayMs: decision.delayMs, error: decision.reason }
}
