/**
 * app/api/me/route.ts: a call to the provider as the user, with no API key: Junction adds the token, refreshes it,
 * retries and logs the call. The provider's Response (or Junction's own failure as JSON) goes back as it is.
 */
import { getJunction, userId } from '../../../lib/junction'

export const dynamic = 'force-dynamic'

export async function GET(): Promise<Response> {
  return (await getJunction()).fetch('sandbox', userId, '/me')
}
