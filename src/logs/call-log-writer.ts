/**
 * @module Writing the call log off the request path. A call queues its row and goes on; rows are written in batches
 * every `flushIntervalMs` (or as soon as a batch is full). While the database does not answer, rows stay queued and
 * are tried again; past `maxBuffered` the oldest are dropped, counted and said once in the log, never silently.
 * `close()` writes what is left.
 */
import type { Kysely } from 'kysely'
import type { Logger } from '../core/logger.js'
import { type CallLogEntry, insertCallLogs, type QueuedCallLog, queuedCallLog } from '../storage/api-logs-store.js'
import type { Schema } from '../storage/schema.js'

export interface CallLogWriterOptions {
  /** @default 200 */
  flushIntervalMs: number
  /** Rows per statement. @default 500 */
  batchSize: number
  /** Rows kept while the database does not answer. @default 50_000 */
  maxBuffered: number
  /** How long `close()` keeps trying to write what is left. @default 5_000 */
  closeTimeoutMs: number
}

export const defaultCallLogWriterOptions: CallLogWriterOptions = Object.freeze({
  flushIntervalMs: 200,
  batchSize: 500,
  maxBuffered: 50_000,
  closeTimeoutMs: 5_000,
})

export interface CallLogWriter {
  /** Queues a row. Never waits, never throws. */
  record(entry: CallLogEntry): void
  /** Writes what is queued now (tests, and `close()`); rejects when the database does not answer. */
  flush(): Promise<void>
  /** Rows waiting to be written. */
  readonly buffered: number
  /** Rows dropped since start because the buffer was full. */
  readonly dropped: number
  /** Stops the timer and writes what is left (for at most `closeTimeoutMs`). */
  close(): Promise<void>
}

export function createCallLogWriter(deps: {
  db: Kysely<Schema>
  logger: Logger
  options?: Partial<CallLogWriterOptions>
  /** Told of every row as it is recorded (metrics). */
  onRecord?: (entry: CallLogEntry) => void
}): CallLogWriter {
  const options = { ...defaultCallLogWriterOptions, ...deps.options }
  const { logger } = deps
  let queue: QueuedCallLog[] = []
  let dropped = 0
  let writing: Promise<void> | undefined
  /** Set while writes fail, so that an outage is said once when it starts and once when it ends. */
  let failingSince: number | undefined
  let closed = false

  /** Writes the rows queued when it starts (not those queued meanwhile: under steady traffic it still ends). */
  async function writeQueued(): Promise<void> {
    const last = queue.at(-1)
    while (last !== undefined && queue.includes(last)) {
      const end = queue.indexOf(last) + 1
      const batch = queue.slice(0, Math.min(options.batchSize, end))
      await insertCallLogs(deps.db, batch)
      // Rows dropped while this batch was written went from the front: remove exactly what was written.
      const written = new Set(batch)
      queue = queue.filter((row) => !written.has(row))
    }
  }

  /** One pass at a time; a flush asked during a pass waits for it, then runs its own, so that its rows are in. */
  function flush(): Promise<void> {
    if (writing !== undefined) return writing.then(flush)
    writing = writeQueued()
      .then(
        () => {
          if (failingSince !== undefined) {
            logger.info({ outageMs: Date.now() - failingSince }, 'call-log writes work again')
            failingSince = undefined
          }
        },
        (error: unknown) => {
          if (failingSince === undefined) {
            failingSince = Date.now()
            logger.warn({ err: error, buffered: queue.length }, 'call-log writes fail; rows are kept and retried')
          }
          throw error
        },
      )
      .finally(() => {
        writing = undefined
      })
    return writing
  }

  const flushQuietly = () => {
    if (writing === undefined) flush().catch(() => undefined)
  }
  const timer = setInterval(flushQuietly, options.flushIntervalMs)
  timer.unref()

  return {
    record(entry) {
      if (closed) {
        // Only a call still finishing during shutdown gets here: counted, as every other row not written.
        dropped += 1
        return
      }
      deps.onRecord?.(entry)
      queue.push(queuedCallLog(entry))
      if (queue.length > options.maxBuffered) {
        const excess = queue.length - options.maxBuffered
        queue.splice(0, excess)
        if (dropped === 0) logger.error({ maxBuffered: options.maxBuffered }, 'call-log buffer full: dropping rows')
        dropped += excess
      }
      if (queue.length >= options.batchSize) flushQuietly()
    },
    flush,
    get buffered() {
      return queue.length
    },
    get dropped() {
      return dropped
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(timer)
      const giveUpAt = Date.now() + options.closeTimeoutMs
      // A database that stops answering mid-write must not hold shutdown: each wait is bounded by what is left.
      const untilGiveUp = () =>
        new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, giveUpAt - Date.now())).unref())
      while (queue.length > 0 && Date.now() < giveUpAt) {
        const retryPause = () => new Promise<void>((resolve) => setTimeout(resolve, 100))
        await Promise.race([flush().catch(retryPause), untilGiveUp()])
      }
      if (queue.length > 0) logger.error({ lost: queue.length }, 'call-log rows not written at shutdown')
    },
  }
}
