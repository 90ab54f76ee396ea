/**
 * app/connect/slack/route.ts: the app's own code using the library directly, with no API key: send the signed-in
 * user to Slack's consent page through a Junction connect link, then list their channels once connected.
 */
import { getJunction } from '../../../lib/junction'

/** Whoever your app's session says is signed in (stubbed here). */
function currentUserId(request: Request): string {
  return request.headers.get('x-demo-user') ?? 'u_1'
}

export async function GET(request: Request): Promise<Response> {
  const junction = await getJunction()
  const userId = currentUserId(request)
  const connected = await junction.connections.list({ integration: 'slack', userId, status: 'active' })
  if (connected.data.length === 0) {
    const url = await junction.connectUrl({
      integration: 'slack',
      userId,
      returnUrl: new URL('/connect/slack', request.url).href,
    })
    return Response.redirect(url, 302)
  }
  const { channels } = await junction.slack(userId).conversations.list({ limit: 20 })
  return Response.json(channels.map((channel) => channel.name))
}
