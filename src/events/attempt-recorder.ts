/**
 * @module Records the delivery worker's outcomes in batches, as a group commit: one write at a time, and every outcome
 * that arrives while it runs goes into the next one, so that many deliveries cost one statement and none waits on a
 * timer. A write that fails keeps its outcomes for the next try while their claims last (the claim makes a repeated
 * write harmless: it matches no row once one went through); past that they are given up, and each event is
 * attempted again once its claim runs out (docs/http-api.md, "Events": at least once).
 */
import type { RecordedAttempt } from '../storage/event-delivery-store.js'

/**
 * `recorded`: the row was updated. `lost`: the claim was no longer this one (it ran out and another worker took the
 * event, or a write whose answer was lost had recorded it already). `failed`: not written while the claim lasted.
 */
export type RecordResult = 'recorded' | 'lost' | 'failed'

export interface AttemptRecorder {
  /** Resolves once the outcome is written or given up; `keepUntil` (a `performance.now()` time): not tried after. */
  record(attempt: RecordedAttempt, keepUntil: number): Promise<RecordResult>
  /** Gives up every outcome still waiting (`failed`) and stops trying: the stop's last step. */
  close(): void
}

export function createAttemptRecorder(deps: {
  /** Writes a batch; answers the ids whose rows were updated. */
  write: (attempts: readonly RecordedAttempt[]) => Promise<Set<string>>
  /** How long after a failed write the next is tried. */
  retryMs: number
  now?: () => number
}): AttemptRecorder {
  const now = deps.now ?? (() => performance.now())
  let waiting: { attempt: RecordedAttempt; keepUntil: number; resolve: (result: RecordResult) => void }[] = []
  let writing = false
  let closed = false
  let wakeRetry: (() => void) | undefined

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      timer.unref()
      wakeRetry = done
      function done() {
        clearTimeout(timer)
        wakeRetry = undefined
        resolve()
      }
    })

  async function drain(): Promise<void> {
    writing = true
    try {
      while (waiting.length > 0 && !closed) {
        const at = now()
        for (const late of waiting.filter((entry) => entry.keepUntil <= at)) late.resolve('failed')
        const batch = waiting.filter((entry) => entry.keepUntil > at)
        waiting = []
        if (batch.length === 0) return
        let written: Set<string>
        try {
          written = await deps.write(batch.map((entry) => entry.attempt))
        } catch {
          // Kept, ahead of those that came meanwhile (the worker logs the ones given up), unless the worker stopped.
          if (closed) {
            for (const entry of batch) entry.resolve('failed')
            return
          }
          waiting = [...batch, ...waiting]
          await pause(deps.retryMs)
          continue
        }
        for (const entry of batch) entry.resolve(written.has(entry.attempt.id) ? 'recorded' : 'lost')
      }
    } finally {
      writing = false
    }
  }

  return {
    record(attempt, keepUntil) {
      if (closed) return Promise.resolve('failed')
      return new Promise((resolve) => {
        waiting.push({ attempt, keepUntil, resolve })
        if (!writing) void drain()
      })
    },
    close() {
      closed = true
      for (const entry of waiting.splice(0)) entry.resolve('failed')
      wakeRetry?.()
    },
  }
}
