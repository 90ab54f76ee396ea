/**
 * @module Forgetting old call-log rows (kept 30 days: docs/http-api.md, "Call logs"). Rows go in small batches, each
 * its own statement, so that a backlog never holds a long lock in the way of the proxy's inserts; what one round
 * leaves, the next takes.
 */
import type { Kysely } from 'kysely'
import { deleteCallLogsBefore } from '../storage/api-logs-store.js'
import type { Schema } from '../storage/schema.js'

export interface CallLogRetention {
  /** @default 2_592_000_000 (30 days) */
  keepMs: number
  /** @default 1_000 */
  batchSize: number
  /** Batches per round at most. @default 20 */
  maxBatches: number
}

export const defaultCallLogRetention: CallLogRetention = Object.freeze({
  keepMs: 30 * 86_400_000,
  batchSize: 1_000,
  maxBatches: 20,
})

/** Deletes rows older than the retention; answers how many went. */
export async function pruneCallLogs(db: Kysely<Schema>, retention: CallLogRetention): Promise<number> {
  const before = new Date(Date.now() - retention.keepMs)
  let pruned = 0
  for (let batch = 0; batch < retention.maxBatches; batch++) {
    const deleted = await deleteCallLogsBefore(db, before, retention.batchSize)
    pruned += deleted
    if (deleted < retention.batchSize) break
  }
  return pruned
}
