/**
 * @module `junction.events`: the `/v1/events` API as functions (docs/library.md, "events"), on the same feed as the
 * routes, with the same input checks.
 */
import { z } from 'zod'
import { eventFilters, eventRedeliverySchema } from '../server/api-schemas.js'
import { validate } from '../server/request-input.js'
import { defaultPageSize, maxPageSize, type Page } from '../storage/cursor.js'
import type { Event } from '../storage/event-view.js'
import type { EventDeliveryStatus } from '../storage/schema.js'
import type { EventFeed } from '../webhooks/event-feed.js'

export interface EventFilter {
  type?: string | undefined
  integration?: string | undefined
  /** Events of this end user, webhooks linked to it among others included. */
  userId?: string | undefined
  status?: EventDeliveryStatus | undefined
  /** @default 50 (at most 500) */
  limit?: number | undefined
  /** `nextCursor` of the page before. */
  cursor?: string | undefined
}

export interface EventRedelivery {
  status: 'dead' | 'retrying'
  type?: string | undefined
  integration?: string | undefined
  /** Events created at or after this instant (RFC 3339). */
  since?: string | undefined
}

export interface JunctionEvents {
  /**
   * A page of events, oldest first, with their delivery state: `{data, nextCursor}`. A page with events always has a
   * `nextCursor` to poll from later; an empty page has none (keep the cursor you have).
   */
  list(filter?: EventFilter): Promise<Page<Event>>
  /** Throws `not_found` when there is none. */
  get(id: string): Promise<Event>
  /** Sends the event again (a new attempt now, same id). */
  redeliver(id: string): Promise<Event>
  /** Attempts every event of the selection again now, keeping their ids; answers how many. */
  redeliverMany(selection: EventRedelivery): Promise<{ count: number }>
}

const listSchema = z.strictObject({
  ...eventFilters,
  limit: z.number().int().min(1).max(maxPageSize).optional(),
  cursor: z.string().min(1).max(200).optional(),
})

export function libraryEvents(feed: EventFeed): JunctionEvents {
  return {
    list(filter = {}) {
      const { limit, ...rest } = validate(listSchema, filter, 'filter')
      return feed.list({ ...rest, limit: limit ?? defaultPageSize })
    },
    get: (id) => feed.get(id),
    redeliver: (id) => feed.redeliver(id),
    redeliverMany(selection) {
      const { since, ...rest } = validate(eventRedeliverySchema, selection, 'selection')
      return feed.redeliverMany({ ...rest, since: since === undefined ? undefined : new Date(since) })
    },
  }
}
