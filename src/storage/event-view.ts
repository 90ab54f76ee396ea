/** @module `Event`, as the API and the library show it (docs/http-api.md, "Events"): the event and its delivery state. */
import type { EventRow } from './events-store.js'
import type { EventDeliveryStatus } from './schema.js'

export interface EventDelivery {
  /** `pending` (not tried yet, or no `events.url`), `retrying`, `delivered` or `dead`. */
  status: EventDeliveryStatus
  attempts: number
  lastAttemptAt: string | null
  /** When the next attempt is due; null once the event is delivered or dead. */
  nextAttemptAt: string | null
  deliveredAt: string | null
  lastError: string | null
}

export interface Event {
  id: string
  type: string
  createdAt: string
  data: Record<string, unknown>
  delivery: EventDelivery
}

export function toEvent(row: EventRow): Event {
  const settled = row.status === 'delivered' || row.status === 'dead'
  return {
    id: row.id,
    type: row.type,
    createdAt: row.created_at.toISOString(),
    data: row.data,
    delivery: {
      status: row.status,
      attempts: row.attempts,
      lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
      nextAttemptAt: settled ? null : row.next_attempt_at.toISOString(),
      deliveredAt: row.delivered_at?.toISOString() ?? null,
      lastError: row.last_error,
    },
  }
}
