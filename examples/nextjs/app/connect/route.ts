/** app/connect/route.ts: sends the browser to a connect link (the sandbox's consent page), then back to `/`. */
import { appUrl, getJunction, userId } from '../../lib/junction'

export const dynamic = 'force-dynamic'

export async function GET(): Promise<Response> {
  const junction = await getJunction()
  return Response.redirect(await junction.connectUrl({ integration: 'sandbox', userId, returnUrl: `${appUrl}/` }), 302)
}
