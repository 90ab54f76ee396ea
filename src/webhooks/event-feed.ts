/**
 * @module The events as the app reads them (`/v1/events`, `junction.events`; docs/http-api.md "Events"): every
 * event oldest first with its delivery state, one by id, and redelivery, which only makes events due again: the
 * delivery worker sends them, under the same id (`webhook-id`) so that the app can deduplicate.
 */
import type { Kysely } from 'kysely'
import { JunctionError } from '../core/errors.js'
import { isRowId } from '../core/ids.js'
import type { Page } from '../storage/cursor.js'
import { type Event, toEvent } from '../storage/event-view.js'
import {
  type EventFilter,
  findEventRow,
  listEventRows,
  type RedeliverySelection,
  redeliverEventRow,
  redeliverEventRows,
} from '../storage/events-store.js'
import type { Schema } from '../storage/schema.js'

export interface EventFeed {
  /**
   * A page of events, oldest first (by insertion): `{data, nextCursor}`. As a feed, a page with events always has a
   * `nextCursor` to poll from; an empty page has none (keep the cursor you have).
   */
  list(filter: EventFilter): Promise<Page<Event>>
  /** Throws `not_found` when there is no such event. */
  get(id: string): Promise<Event>
  /** Makes the event due now (`retrying`, or `pending` if never attempted), its claim cleared. */
  redeliver(id: string): Promise<Event>
  /** Makes every `dead` (or `retrying`) event of the selection due now; answers how many. */
  redeliverMany(selection: RedeliverySelection): Promise<{ count: number }>
}

export interface EventFeedOptions {
  /**
   * Events made due again per statement by `redeliverMany`.
   * @default 500
   */
  redeliverBatchSize?: number
}

const notFound = () => new JunctionError('not_found', 'no event has this id')

export function createEventFeed(db: Kysely<Schema>, options: EventFeedOptions = {}): EventFeed {
  const batchSize = options.redeliverBatchSize ?? 500
  return {
    async list(filter) {
      const page = await listEventRows(db, filter)
      return { data: page.data.map(toEvent), nextCursor: page.nextCursor }
    },
    async get(id) {
      const row = isRowId(id) ? await findEventRow(db, id) : undefined
      if (row === undefined) throw notFound()
      return toEvent(row)
    },
    async redeliver(id) {
      const row = isRowId(id) ? await redeliverEventRow(db, id) : undefined
      if (row === undefined) throw notFound()
      return toEvent(row)
    },
    async redeliverMany(selection) {
      return { count: await redeliverEventRows(db, selection, batchSize) }
    },
  }
}
