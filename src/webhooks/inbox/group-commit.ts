/**
 * @module Group commit: items that arrive together are written in one batch (for the inbox, one multi-row insert
 * under one take of the feed-order lock instead of one insert and one lock each), and each caller's promise settles
 * only once the batch that holds its item has settled. By default one batch is written at a time (the feed-order lock
 * serialises commits anyway): what arrives meanwhile waits and goes in the next, so batches grow with the load.
 */

export interface GroupCommitOptions {
  /**
   * How long a batch waits for more items after its first, in milliseconds. 0 closes it at the next turn of the
   * event loop, once the requests that arrived together have been read.
   * @default 0
   */
  windowMs?: number
  /**
   * Most items in one batch; more wait for the next.
   * @default 100
   */
  maxBatchSize?: number
  /**
   * Batches written at once. A second one waits in the database for the first one's lock rather than in the process
   * for its answer, which shortens the wait at moderate load, but makes batches smaller and commits more frequent: on
   * the webhooks benchmark (BENCHMARKS.md) 2 lowered the median latency of the open loop and the peak rate both.
   * @default 1
   */
  maxInFlight?: number
}

export interface GroupCommit<T, R> {
  /** Writes `item` in the next batch; settles with its result once that batch has been written (or has failed). */
  add(item: T): Promise<R>
}

export interface GroupCommitDeps<T, R> {
  /** Writes a batch, answering one result per item, in order; throwing fails every item of the batch. */
  write(items: readonly T[]): Promise<readonly R[]>
  /**
   * Whether a batch of several items that failed with `error` is written again one item at a time, so that one item
   * the store refuses fails alone. A failure of the store as a whole (the database away) fails the whole batch.
   * @default never
   */
  retryOneByOne?: (error: unknown) => boolean
  options?: GroupCommitOptions
}

interface Waiting<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

export function createGroupCommit<T, R>(deps: GroupCommitDeps<T, R>): GroupCommit<T, R> {
  const windowMs = deps.options?.windowMs ?? 0
  const maxBatchSize = deps.options?.maxBatchSize ?? 100
  const maxInFlight = deps.options?.maxInFlight ?? 1
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError('group commit: windowMs must be 0 or more')
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)
    throw new RangeError('group commit: maxBatchSize must be a whole number of at least 1')
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new RangeError('group commit: maxInFlight must be a whole number of at least 1')
  const retryOneByOne = deps.retryOneByOne ?? (() => false)

  let waiting: Array<Waiting<T, R>> = []
  let scheduled = false
  let writing = 0

  const schedule = () => {
    if (scheduled || writing >= maxInFlight || waiting.length === 0) return
    scheduled = true
    if (windowMs === 0) setImmediate(flush)
    else setTimeout(flush, windowMs)
  }

  const flush = () => {
    scheduled = false
    const batch = waiting.slice(0, maxBatchSize)
    waiting = waiting.slice(batch.length)
    writing++
    void writeBatch(batch).finally(() => {
      writing--
      schedule()
    })
    // Items beyond this batch's size go in another one now, when another may be written at once.
    schedule()
  }

  const writeBatch = async (batch: ReadonlyArray<Waiting<T, R>>): Promise<void> => {
    try {
      const results = await deps.write(batch.map((entry) => entry.item))
      for (const [index, entry] of batch.entries()) entry.resolve(results[index] as R)
    } catch (error) {
      if (batch.length === 1 || !retryOneByOne(error)) {
        for (const entry of batch) entry.reject(error)
        return
      }
      // In order, so that two items with one key still meet as first and second.
      for (const entry of batch) {
        try {
          const [result] = await deps.write([entry.item])
          entry.resolve(result as R)
        } catch (alone) {
          entry.reject(alone)
        }
      }
    }
  }

  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject })
        schedule()
      })
    },
  }
}
