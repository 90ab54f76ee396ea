/**
 * app/junction/[...path]/route.ts: the whole hub (connect pages, /oauth/callback, /v1, webhooks) under /junction.
 * A route handler is a plain web `Request` → `Response` function, which is exactly what `junction.handle` is. It reads
 * the body itself (raw, for webhook signatures), so nothing else may read it first.
 */
import { getJunction } from '../../../lib/junction'

// The hub needs Node.js (its database and sockets) and answers every request fresh.
export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

async function handle(request: Request): Promise<Response> {
  return (await getJunction()).handle(request)
}

export {
  handle as DELETE,
  handle as GET,
  handle as HEAD,
  handle as OPTIONS,
  handle as PATCH,
  handle as POST,
  handle as PUT,
}
