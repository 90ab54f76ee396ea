/** app/route.ts: `/`, whether the user has connected the sandbox account yet, and where to go next. */
import { appUrl, getJunction, userId } from '../lib/junction'

export const dynamic = 'force-dynamic'

export async function GET(): Promise<Response> {
  const { data } = await (await getJunction()).connections.list({ integration: 'sandbox', userId, status: 'active' })
  return new Response(
    data.length === 0
      ? `${userId} has no sandbox account yet: open ${appUrl}/connect\n`
      : `${userId} is connected: open ${appUrl}/api/me for the sandbox's answer, through Junction\n`,
    { headers: { 'content-type': 'text/plain; charset=utf-8' } },
  )
}
