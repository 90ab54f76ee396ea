/**
 * @module Signed timestamps: strict parsing (digits only, no leading zero, so the text that was signed is the number
 * that is checked) and the tolerance window, which applies in both directions: a timestamp too far in the future is
 * refused like a stale one, so a signature cannot be made ahead of time and replayed later.
 */

const unixSecondsPattern = /^(?:0|[1-9][0-9]{0,11})$/
const unixMillisecondsPattern = /^(?:0|[1-9][0-9]{0,14})$/

/** A timestamp in whole seconds since the epoch (Stripe, Slack, Standard Webhooks), or `undefined`. */
export function parseUnixSeconds(text: string): Date | undefined {
  return unixSecondsPattern.test(text) ? new Date(Number(text) * 1000) : undefined
}

/** A timestamp in milliseconds since the epoch (HubSpot), or `undefined`. */
export function parseUnixMilliseconds(text: string): Date | undefined {
  return unixMillisecondsPattern.test(text) ? new Date(Number(text)) : undefined
}

/** Whether `signedAt` lies within `toleranceSeconds` of `now`, before or after it (the bounds included). */
export function withinTolerance(signedAt: Date, now: Date, toleranceSeconds: number): boolean {
  return Math.abs(now.getTime() - signedAt.getTime()) <= toleranceSeconds * 1000
}
