/**
 * @module The hub's work on the events table: the delivery worker, when `events.url` is set (without it events are
 * stored and listed, and stay `pending`); and, in every case, a housekeeping round that forgets events past their
 * retention and reads the age of the oldest undelivered event for the metrics.
 */
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import { JunctionError } from '../core/errors.js'
import { newRowId } from '../core/ids.js'
import type { Logger } from '../core/logger.js'
import { createHttpClient } from '../http/client.js'
import type { EgressPolicy } from '../http/egress.js'
import { oldestUndeliveredAt } from '../storage/event-delivery-store.js'
import type { Schema } from '../storage/schema.js'
import type { EventDeliveryStats } from './delivery-stats.js'
import {
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  defaultDeliveryWorkerOptions,
  startDeliveryWorker,
} from './delivery-worker.js'
import { defaultEventRetention, type EventRetention, pruneEvents } from './event-retention.js'
import { settledWithin } from './settled-within.js'

/** Durations and sizes of the events work, each defaulting to production's (tests shorten them). */
export interface EventsWorkOptions {
  delivery?: Partial<DeliveryWorkerOptions> | undefined
  /** `keepMs` comes from `events.retentionDays` unless given here. */
  retention?: Partial<EventRetention> | undefined
  /** How often the housekeeping round runs. @default 15_000 */
  housekeepingEveryMs?: number | undefined
}

export interface EventsWork {
  /** Whether events are being sent (an `events.url` is set). */
  readonly delivering: boolean
  /** One housekeeping round, now (tests call it directly): answers how many events were forgotten. */
  housekeep(): Promise<{ pruned: number }>
  stop(): Promise<void>
}

/**
 * The most of an app's failed (non-2xx) answer that is read: its body is never used, only its status, but the client
 * reads it whole; past this the attempt's reason is `response too large` instead of its status. A 2xx body is never
 * read.
 */
const maxAnswerBytes = 1024 * 1024

export function startEventsWork(deps: {
  db: Kysely<Schema>
  events: { url: string | undefined; retentionDays: number }
  /** The events secrets (`whsec_…`); needed when `events.url` is set. */
  secrets: readonly string[]
  egress: EgressPolicy
  logger: Logger
  stats: EventDeliveryStats
  options?: EventsWorkOptions | undefined
}): EventsWork {
  const options = deps.options ?? {}
  const { logger, db, stats } = deps
  const retention: EventRetention = {
    ...defaultEventRetention,
    keepMs: deps.events.retentionDays * 86_400_000,
    ...options.retention,
  }
  const housekeepingEveryMs = options.housekeepingEveryMs ?? 15_000
  const stopGraceMs = options.delivery?.stopGraceMs ?? defaultDeliveryWorkerOptions.stopGraceMs
  const url = deps.events.url
  if (url !== undefined && deps.secrets.length === 0)
    throw new JunctionError('internal_error', 'events.url is set but no events secret was given')
  const http =
    url === undefined
      ? undefined
      : createHttpClient({ egress: deps.egress, retry: false, maxResponseBytes: maxAnswerBytes })
  const worker: DeliveryWorker | undefined =
    url === undefined || http === undefined
      ? undefined
      : startDeliveryWorker({
          db,
          http,
          url,
          secrets: deps.secrets,
          owner: `${hostname()}:${process.pid}:${newRowId().slice(0, 8)}`,
          logger,
          stats,
          options: { ...defaultDeliveryWorkerOptions, ...options.delivery },
        })

  async function housekeep() {
    const pruned = await pruneEvents(db, retention)
    stats.noteOldestUndelivered(await oldestUndeliveredAt(db))
    return { pruned }
  }

  let round: Promise<unknown> = housekeep().catch((error: unknown) =>
    logger.warn({ err: error }, 'an events housekeeping round failed'),
  )
  const timer = setInterval(() => {
    round = round
      .then(housekeep)
      .catch((error: unknown) => logger.warn({ err: error }, 'an events housekeeping round failed'))
  }, housekeepingEveryMs)
  timer.unref()

  return {
    delivering: worker !== undefined,
    housekeep,
    async stop() {
      clearInterval(timer)
      // Side by side, each within the grace. A housekeeping round stuck on a silent database is left behind: the
      // hub's close ends its connection.
      await Promise.all([worker?.stop(), settledWithin(round, stopGraceMs)])
      await http?.close()
    },
  }
}
