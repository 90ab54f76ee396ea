/**
 * @module The delivery worker: sends due events to the app's `events.url` and records how each attempt went
 * (docs/http-api.md, "Events"). It claims events for a short lease in a statement of its own, sends outside any
 * transaction, then records the outcome only while the claim is still its own. An attempt cut short by a crash
 * leaves a claim that runs out, and the event is due again: at least once, never lost. Each attempt ends (its
 * timeout) before its claim runs out, so no two processes make the same attempt at once.
 *
 * It sends at most `concurrency` attempts at once, and keeps at most `unsettledLimit` attempts unsettled (sent, or sent
 * and not yet recorded), so that a crash repeats at most that many: a place frees up as soon as its answer is in, not
 * once its outcome is written, so that the database's round trip does not slow the sending. Claims come in batches: a few events beyond the free places (`claimAhead`) wait in a short local
 * queue, so that a place that frees up starts its next attempt without a round trip to the database; a queued event
 * starts only while its attempt still ends well within its claim, else it is given back. Outcomes are recorded many
 * to a statement (attempt-recorder.ts). A stop gives back the events still queued.
 */
import type { Kysely } from 'kysely'
import { JunctionError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { HttpClient } from '../http/client.js'
import {
  type ClaimedEvent,
  claimDueEvents,
  type RecordedOutcome,
  recordAttempts,
  releaseClaims,
} from '../storage/event-delivery-store.js'
import type { Schema } from '../storage/schema.js'
import { createAttemptRecorder } from './attempt-recorder.js'
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
  /** Attempts sent at once (waiting for the app's answer). @default 10 */
  concurrency: number
  /**
   * Attempts unsettled at once: sent, or answered and not yet recorded; at most this many are made again after a
   * crash (with the same `webhook-id`). At least `concurrency`.
   * @default 100
   */
  unsettledLimit: number
  /**
   * Events claimed beyond the free places, queued so that a place that frees up starts its next attempt at once; a
   * claim is made when the queue is down to half of this. Large enough that the queue outlasts a claim's round trip
   * to a busy database (BENCHMARKS.md, "Webhooks in, events out"); a queued event whose lease runs too short for its
   * attempt is given back (0: claim only for free places).
   * @default 100
   */
  claimAhead: number
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
  unsettledLimit: 100,
  claimAhead: 100,
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
  /** Who claims: unique per process; each claim is recorded as `<owner>:<n>`, so that it is recognised as its own. */
  owner: string
  logger: Logger
  stats: EventDeliveryStats
  options: DeliveryWorkerOptions
}

export interface DeliveryWorker {
  /** Stops claiming, lets attempts in flight finish within the grace, abandons the rest. */
  stop(): Promise<void>
}

/** A claimed event waiting in the queue or attempted, with its claim's token and its times (`performance.now()`). */
interface Claim {
  event: ClaimedEvent
  owner: string
  /** Past this the attempt could outlive the claim: it is not started, the event is given back. */
  startBy: number
  /** The claim's end, as this process sees it (counted from before the claim was asked: never later than the database's). */
  leaseEnd: number
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { db, options, logger, stats } = deps
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new JunctionError(
      'internal_error',
      `event delivery concurrency must be a whole number ≥ 1, not ${options.concurrency}`,
    )
  if (!Number.isInteger(options.unsettledLimit) || options.unsettledLimit < options.concurrency)
    throw new JunctionError(
      'internal_error',
      `event delivery unsettledLimit must be a whole number ≥ concurrency (${options.concurrency}), not ${options.unsettledLimit}`,
    )
  if (!Number.isInteger(options.claimAhead) || options.claimAhead < 0)
    throw new JunctionError(
      'internal_error',
      `event delivery claimAhead must be a whole number ≥ 0, not ${options.claimAhead}`,
    )
  const timeoutMs = Math.min(options.timeoutMs, Math.floor(options.leaseMs * 0.8))
  // A tenth of the lease to spare between an attempt's timeout and its claim's end (the clocks, the event loop).
  const startWithinMs = options.leaseMs - timeoutMs - Math.floor(options.leaseMs * 0.1)
  const queue: Claim[] = []
  /** Claims not attempted, to give back. */
  const unstarted: Claim[] = []
  /** Attempts waiting for the app's answer. */
  let sending = 0
  /** Attempts sent and not yet recorded (those still sending included). */
  const unsettled = new Set<Promise<void>>()
  const recorder = createAttemptRecorder({
    write: (attempts) => recordAttempts(db, attempts),
    retryMs: options.idlePollMs,
  })
  const abort = new AbortController()
  let claims = 0
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

  async function attempt({ event, owner, leaseEnd }: Claim): Promise<void> {
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
    } finally {
      sending--
      startQueued()
    }
    const decision = decideDelivery({
      attempts: event.attempts + 1,
      outcome,
      schedule: options.schedule,
      random: options.random(),
    })
    const result = await recorder.record({ id: event.id, owner, outcome: recorded(decision) }, leaseEnd)
    if (result === 'failed') {
      logger.warn(
        { eventId: event.id },
        'could not record an event delivery attempt: the event will be attempted again',
      )
    }
    if (result !== 'recorded') return
    stats.count(event.integration, decision.status === 'retrying' ? 'failed' : decision.status)
    if (decision.status === 'dead') {
      logger.warn(
        { eventId: event.id, type: event.type, attempts: event.attempts + 1, error: decision.reason },
        'an event was given up after its last attempt failed (dead)',
      )
    }
  }

  /** Fills the free places from the queue. */
  function startQueued(): void {
    while (!stopping && sending < options.concurrency && unsettled.size < options.unsettledLimit) {
      const claim = queue.shift()
      if (claim === undefined) return
      if (performance.now() > claim.startBy) {
        unstarted.push(claim)
        continue
      }
      sending++
      const running: Promise<void> = attempt(claim).finally(() => {
        unsettled.delete(running)
        startQueued()
      })
      unsettled.add(running)
    }
  }

  /** Gives back claims not attempted, one statement per claim; a failure leaves them to run out. */
  async function giveBack(claimed: Claim[]): Promise<void> {
    const byOwner = new Map<string, string[]>()
    for (const claim of claimed) byOwner.set(claim.owner, [...(byOwner.get(claim.owner) ?? []), claim.event.id])
    for (const [owner, ids] of byOwner) {
      await releaseClaims(db, owner, ids).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not give back claimed events: they are attempted again when claims run out'),
      )
    }
  }

  async function run(): Promise<void> {
    let failing = false
    while (!stopping) {
      if (unstarted.length > 0) await giveBack(unstarted.splice(0))
      const room = options.concurrency + options.claimAhead - sending - queue.length
      // One claim for many events: only once the queue is down to half of what is claimed ahead, and not while the
      // unsettled attempts are at their limit (what it claimed could not start).
      if (room <= 0 || queue.length > options.claimAhead / 2 || unsettled.size >= options.unsettledLimit) {
        await Promise.race([...unsettled, stopSignal])
        continue
      }
      const owner = `${deps.owner}:${++claims}`
      const askedAt = performance.now()
      let claimed: ClaimedEvent[]
      try {
        claimed = await claimDueEvents(db, { owner, limit: room, leaseMs: options.leaseMs })
        if (failing) logger.info('event delivery resumed: the database answers again')
        failing = false
      } catch (error) {
        if (!failing) logger.warn({ err: error }, 'could not claim events to deliver; trying again')
        failing = true
        await pause(options.idlePollMs)
        continue
      }
      const startBy = askedAt + startWithinMs
      const leaseEnd = askedAt + options.leaseMs
      for (const event of claimed) queue.push({ event, owner, startBy, leaseEnd })
      // A stop that came while claiming gives these back with the rest of the queue.
      if (stopping) break
      startQueued()
      // A full claim may have left more due events: look again at once (after a place frees up, if none is left).
      if (claimed.length < room) await pause(options.idlePollMs)
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
      // Events queued and not attempted are due again at once rather than when their claims run out.
      const givenBack = running.then(() => giveBack([...unstarted.splice(0), ...queue.splice(0)]))
      // A claim stuck on a silent database is not waited for beyond the grace either: its claims simply run out.
      const settled = Promise.allSettled([running, givenBack, ...unsettled])
      if (!(await settledWithin(settled, options.stopGraceMs))) {
        abort.abort()
        await settledWithin(settled, options.abandonWaitMs)
      }
      recorder.close()
    },
  }
}

function recorded(decision: DeliveryDecision): RecordedOutcome {
  if (decision.status === 'delivered') return { status: 'delivered' }
  if (decision.status === 'dead') return { status: 'dead', error: decision.reason }
  return { status: 'retrying', delayMs: decision.delayMs, error: decision.reason }
}
