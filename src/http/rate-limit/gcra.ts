/**
 * @module The generic cell rate algorithm (GCRA), as reservations: each caller books the next start slot and learns
 * how long to wait for it. One number per key (the theoretical arrival time, TAT) holds the whole state, so the same
 * arithmetic runs in memory and, atomically, in a Redis Lua script.
 *
 * With emission interval T = 1000 / rate and tolerance τ = (burst − 1) · T, a request at `now` may start at
 * max(TAT, now) − τ, and books TAT = max(TAT, now) + T. Over any window of t ms this admits at most burst + t / T.
 * @see ITU-T I.371 (GCRA)
 */

export interface GcraParams {
  /** Milliseconds between starts at the sustained rate; 0 when the rate is unknown (no pacing, only pauses). */
  intervalMs: number
  /** (burst − 1) · interval. */
  toleranceMs: number
}

/** Either a booked slot (start after `waitMs`) or a refusal: the slot would be later than the caller can wait. */
export type Reservation = { booked: true; waitMs: number } | { booked: false; waitMs: number }

export function gcraParams(requestsPerSecond: number | undefined, burst: number): GcraParams {
  if (requestsPerSecond === undefined || !Number.isFinite(requestsPerSecond)) return { intervalMs: 0, toleranceMs: 0 }
  const intervalMs = 1000 / requestsPerSecond
  return { intervalMs, toleranceMs: Math.max(0, burst - 1) * intervalMs }
}

/** Books a slot at `now` against the stored TAT; returns the reservation and the TAT to store (unchanged if refused). */
export function reserve(
  tat: number | undefined,
  now: number,
  params: GcraParams,
  maxWaitMs: number,
): { reservation: Reservation; tat: number | undefined } {
  const base = Math.max(tat ?? now, now)
  const waitMs = Math.max(0, base - params.toleranceMs - now)
  if (waitMs > maxWaitMs) return { reservation: { booked: false, waitMs }, tat }
  return { reservation: { booked: true, waitMs }, tat: base + params.intervalMs }
}

/** Moves the TAT so that nothing starts before `now + pauseMs`, and the burst is spent: the provider is out of room. */
export function pause(tat: number | undefined, now: number, params: GcraParams, pauseMs: number): number {
  return Math.max(tat ?? now, now + pauseMs + params.toleranceMs)
}
