/**
 * @module Deadlines checked by one timer for everything in flight, instead of a timer each: a Node timer per request
 * is a measurable cost at thousands of requests a second. The timer runs only while something is watched, and never
 * keeps the process alive.
 */

/** Something that ends at `deadline` (a `performance.now()` time) unless forgotten first. */
export interface Expiring {
  readonly deadline: number
  expire(): void
}

export interface DeadlineSweeper {
  watch(item: Expiring): void
  /** The item finished in time: it will not expire. */
  forget(item: Expiring): void
}

/** Expires each watched item within `tickMs` after its deadline. */
export function createDeadlineSweeper(tickMs: number): DeadlineSweeper {
  const inFlight = new Set<Expiring>()
  let timer: NodeJS.Timeout | undefined
  const sweep = () => {
    const now = performance.now()
    for (const item of inFlight) {
      if (item.deadline <= now) {
        inFlight.delete(item)
        item.expire()
      }
    }
    if (inFlight.size === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }
  return {
    watch(item) {
      inFlight.add(item)
      if (timer === undefined) {
        timer = setInterval(sweep, tickMs)
        timer.unref()
      }
    },
    forget(item) {
      inFlight.delete(item)
    },
  }
}
