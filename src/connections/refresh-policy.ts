/** @module When a token is refreshed, and how long a failing refresh waits before the next try. Pure. */

export interface RefreshTiming {
  /** Refresh when less than min(this, 10% of the token's lifetime) remains. @default 300_000 (5 minutes) */
  marginMs: number
  /** First cool-down after a transient failure; it doubles with each failure in a row. @default 30_000 */
  cooldownBaseMs: number
  /** @default 3_600_000 */
  cooldownMaxMs: number
}

export const defaultRefreshTiming: RefreshTiming = Object.freeze({
  marginMs: 300_000,
  cooldownBaseMs: 30_000,
  cooldownMaxMs: 3_600_000,
})

/** Whether a token that expires at `expiresAt`, issued at `issuedAt`, should be refreshed at `now`. */
export function needsRefresh(expiresAt: Date | null, issuedAt: Date | null, now: Date, timing: RefreshTiming): boolean {
  if (expiresAt === null) return false
  const lifetimeMs = issuedAt === null ? Number.POSITIVE_INFINITY : expiresAt.getTime() - issuedAt.getTime()
  const margin = Math.min(timing.marginMs, Math.max(0, lifetimeMs) * 0.1)
  return expiresAt.getTime() - now.getTime() <= margin
}

/** The cool-down after the n-th transient failure in a row (n ≥ 1). */
export function refreshCooldownMs(failures: number, timing: RefreshTiming): number {
  return Math.min(timing.cooldownMaxMs, timing.cooldownBaseMs * 2 ** Math.max(0, failures - 1))
}
