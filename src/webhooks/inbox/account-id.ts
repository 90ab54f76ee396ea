/**
 * @module Where a webhook names the provider's account: a dotted path into its JSON body (`team_id` for Slack,
 * `0.portalId` for the first event of a HubSpot batch, `account` for Stripe Connect), read only once the signature
 * verified.
 */

/**
 * The value at `path` in `body`, as a string when it is a non-empty string or a finite number (HubSpot's portal ids
 * are numbers; connections store them as text), else `undefined`. A numeric segment indexes an array.
 * @example accountIdAt([{ portalId: 62515 }], '0.portalId') // '62515'
 */
export function accountIdAt(body: unknown, path: string): string | undefined {
  let current: unknown = body
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) current = /^\d+$/.test(segment) ? current[Number(segment)] : undefined
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment))
      current = (current as Record<string, unknown>)[segment]
    else return undefined
  }
  if (typeof current === 'string') return current === '' ? undefined : current
  if (typeof current === 'number' && Number.isFinite(current)) return String(current)
  return undefined
}
