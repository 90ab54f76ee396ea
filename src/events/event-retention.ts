/**
 * @module Forgetting events past `events.retentionDays` after they were created, whatever their delivery state
 * (docs/http-api.md, "Events"). Rows go in small batches, each its own statement, so that a backlog never holds a
 * long lock in the way of the writes that record new events; what one round leaves, the next takes.
 */
import type { Kysely } from 'kysely'
import { deleteEventsBefore } from '../storage/event-delivery-store.js'
import type { Schema } from '../storage/schema.js'

export interface EventRetention {
  /** @default 2_592_000_000 (30 days: `events.retentionDays`) */
  keepMs: number
  /** @default 500 */
  batchSize: number
  /** Batches per round at most. @default 20 */
  maxBatches: number
}

export const defaultEventRetention: EventRetention = Object.freeze({
  keepMs: 30 * 86_400_000,
  batchSize: 500,
  maxBatches: 20,
})

/** Deletes events older than the retention; answers how many went. */
export async function pruneEvents(db: Kysely<Schema>, retention: EventRetention): Promise<number> {
  const before = new Date(Date.now() - retention.keepMs)
  let pruned = 0
  for (let batch = 0; batch < retention.maxBatches; batch++) {
    const deleted = await deleteEventsBefore(db, before, retention.batchSize)
    pruned += deleted
    // Only an empty batch ends the round: with several hubs pruning at once, a batch may come back short because
    // another took part of it, while older rows remain.
    if (deleted === 0) break
  }
  return pruned
}
