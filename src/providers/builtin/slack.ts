/**
 * Slack (OAuth v2). Quirks: errors come back as HTTP 200 with `ok: false`; the bot token is at the top level with
 * `token_type: "bot"`, while a user token is nested under `authed_user`; scopes are comma-separated. PKCE is left
 * off: enabling it marks a Slack app as a public client, for good, and Junction is a confidential client.
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 */
import type { Provider, StandardTokenResponse } from '../provider.js'

/**
 * Slack's rate tiers, per method, workspace and app: Tier 2 is 20+ a minute, Tier 4 100+, with short
 * bursts tolerated; `chat.postMessage` is its own tier, about one message a second per channel.
 * @see https://docs.slack.dev/apis/web-api/rate-limits
 */
const tier = (perMinute: number, burst: number) =>
  ({ requestsPerSecond: perMinute / 60, burst, per: 'connection' }) as const
const tier2 = tier(20, 3)
const tier4 = tier(100, 10)

export const slack: Provider = {
  name: 'slack',
  definition: {
    displayName: 'Slack',
    auth: {
      type: 'oauth2',
      authorizeUrl: 'https://slack.com/oauth/v2/authorize',
      tokenUrl: 'https://slack.com/api/oauth.v2.access',
      clientAuth: 'client_secret_post',
      pkce: false,
      scopeSeparator: ',',
      authorizeParams: {},
      tokenRequestHeaders: {},
    },
    api: { baseUrl: 'https://slack.com/api' },
    rateLimit: { requestsPerSecond: 1, burst: 3, per: 'connection' },
    methodRateLimits: {
      '/chat.postMessage': { requestsPerSecond: 1, burst: 3, per: 'connection' },
      '/conversations.list': tier2,
      '/users.list': tier2,
      '/users.info': tier4,
    },
    // Cursor pagination: `cursor` and `limit` in, `response_metadata.next_cursor` out ('' on the last page); each
    // method names its own items (`channels`, `members`). https://docs.slack.dev/apis/web-api/pagination
    pagination: { style: 'cursor', nextCursor: 'response_metadata.next_cursor', cursorParam: 'cursor' },
    // Events API deliveries name the workspace as `team_id`. https://docs.slack.dev/apis/events-api/
    webhooks: { scheme: 'slack', accountIdPath: 'team_id' },
  },
  hooks: {
    // auth.revoke ends the token it is called with.
    // https://docs.slack.dev/reference/methods/auth.revoke
    revocation: {
      prefers: 'access_token',
      request: ({ token }) => ({
        url: 'https://slack.com/api/auth.revoke',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      }),
    },
    normalizeTokenResponse(body): StandardTokenResponse {
      // A dead refresh token is `invalid_refresh_token` at Slack: the standard `invalid_grant` for the rest of Junction.
      if (body.ok === false)
        return { error: body.error === 'invalid_refresh_token' ? 'invalid_grant' : (body.error ?? 'slack_error') }
      const authedUser = (body.authed_user ?? {}) as Record<string, unknown>
      // A user-token install has no top-level token: the user's token is the connection's token.
      const source = typeof body.access_token === 'string' ? body : authedUser
      return {
        ...body,
        access_token: source.access_token,
        refresh_token: source.refresh_token,
        expires_in: source.expires_in,
        scope: source.scope,
        token_type: source.token_type ?? 'bearer',
      }
    },
    // When an Events API URL is set, Slack sends a signed `url_verification` and expects its `challenge` back.
    // https://docs.slack.dev/reference/events/url_verification
    webhookChallenge(body) {
      const event = body as { type?: unknown; challenge?: unknown } | null
      return event?.type === 'url_verification' && typeof event.challenge === 'string' ? event.challenge : undefined
    },
    accountFacts(body) {
      const team = (body.team ?? {}) as Record<string, unknown>
      const enterprise = (body.enterprise ?? {}) as Record<string, unknown>
      const metadata: Record<string, string> = {}
      if (typeof team.name === 'string') metadata.teamName = team.name
      if (typeof body.bot_user_id === 'string') metadata.botUserId = body.bot_user_id
      if (typeof enterprise.id === 'string') metadata.enterpriseId = enterprise.id
      return { providerAccountId: typeof team.id === 'string' ? team.id : undefined, metadata }
    },
  },
}
