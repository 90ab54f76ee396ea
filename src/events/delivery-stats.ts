/**
 * @module What this process's delivery worker has done since it started, per integration (events delivered, failed
 * attempts, events given up), and the age of the oldest event not delivered yet: read by `/metrics` and
 * `/v1/health/integrations` without touching the database.
 */

export interface DeliveryCounts {
  delivered: number
  failedAttempts: number
  dead: number
}

export interface EventDeliveryStats {
  /** Counts one attempt's outcome for the event's integration (null: events about no integration). */
  count(integration: string | null, outcome: 'delivered' | 'failed' | 'dead'): void
  /** Notes when the oldest event not yet delivered was created (undefined: none), as last read from the database. */
  noteOldestUndelivered(createdAt: Date | undefined): void
  /** Counts per integration; events about no integration are under `''`. */
  counts(): ReadonlyMap<string, Readonly<DeliveryCounts>>
  countsOf(integration: string): Readonly<DeliveryCounts>
  /** Seconds since the oldest undelivered event was created, at `now`; 0 when there is none. */
  oldestUndeliveredAgeSeconds(now?: number): number
}

export function createEventDeliveryStats(): EventDeliveryStats {
  const byIntegration = new Map<string, DeliveryCounts>()
  let oldest: Date | undefined
  const none: Readonly<DeliveryCounts> = Object.freeze({ delivered: 0, failedAttempts: 0, dead: 0 })
  return {
    count(integration, outcome) {
      const key = integration ?? ''
      let counts = byIntegration.get(key)
      if (counts === undefined) {
        counts = { delivered: 0, failedAttempts: 0, dead: 0 }
        byIntegration.set(key, counts)
      }
      if (outcome === 'delivered') counts.delivered++
      else {
        // The attempt that makes an event dead failed too.
        counts.failedAttempts++
        if (outcome === 'dead') counts.dead++
      }
    },
    noteOldestUndelivered(createdAt) {
      oldest = createdAt
    },
    counts: () => byIntegration,
    countsOf: (integration) => byIntegration.get(integration) ?? none,
    oldestUndeliveredAgeSeconds(now = Date.now()) {
      return oldest === undefined ? 0 : Math.max(0, (now - oldest.getTime()) / 1000)
    },
  }
}
