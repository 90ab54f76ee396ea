/**
 * @module A Slack-shaped Web API in the sandbox (`/sandbox/slack/api/<method>`), so that `junction.slack(userId)` can
 * be tried offline through the `sandbox-slack` integration. As Slack does: arguments in the query, a form or a JSON
 * body; failures as HTTP 200 with `{ ok: false, error }`; lists paged by an opaque `cursor` and
 * `response_metadata.next_cursor` ('' on the last page); 429 with `Retry-After` and `ok: false, error: ratelimited`
 * beyond a method's limit (the sandbox's, per token and method).
 * @see https://docs.slack.dev/apis/web-api/
 * @see https://docs.slack.dev/apis/web-api/pagination
 */
import { type Context, Hono } from 'hono'
import { gcraParams, reserve } from '../http/rate-limit/gcra.js'
import { bearerClaims } from './sandbox-api.js'
import type { GrantRegistry } from './sandbox-oauth.js'
import type { SandboxOptions } from './sandbox-options.js'
import type { SandboxClaims, SandboxTokens } from './sandbox-tokens.js'

interface Workspace {
  channels: { id: string; name: string; is_private: boolean; is_archived: boolean; is_member: boolean }[]
  members: { id: string; name: string; real_name: string; is_bot: boolean; deleted: boolean }[]
  messages: { channel: string; ts: string; text: string }[]
}

const channelNames = ['general', 'random', 'engineering', 'design', 'sales', 'support', 'announcements']
const memberNames = ['ada', 'grace', 'alan', 'katherine', 'edsger']

type Args = Record<string, string>
type Answer = { body: Record<string, unknown> }

export function sandboxSlackRoutes(options: SandboxOptions, tokens: SandboxTokens, grants: GrantRegistry): Hono {
  const limit = options.config.rateLimit ?? { requestsPerSecond: 10, burst: 10 }
  const params = gcraParams(limit.requestsPerSecond, limit.burst)
  const buckets = new Map<string, number>()
  const workspaces = new Map<string, Workspace>()

  const workspaceOf = (claims: SandboxClaims): Workspace => {
    let workspace = workspaces.get(claims.user)
    if (workspace === undefined) {
      workspace = {
        channels: channelNames.map((name, index) => ({
          id: `C${String(index + 1).padStart(8, '0')}`,
          name,
          is_private: false,
          is_archived: false,
          is_member: index < 3,
        })),
        members: [claims.user, ...memberNames].map((name, index) => ({
          id: `U${String(index + 1).padStart(8, '0')}`,
          name,
          real_name: `Sandbox ${name}`,
          is_bot: false,
          deleted: false,
        })),
        messages: [],
      }
      workspaces.set(claims.user, workspace)
    }
    return workspace
  }

  const methods: Record<string, (args: Args, claims: SandboxClaims, workspace: Workspace) => Answer> = {
    'auth.test': (_args, claims) => ({
      body: {
        url: 'https://sandbox.slack.invalid/',
        team: 'Sandbox',
        user: claims.user,
        team_id: `T${teamSuffix(claims.user)}`,
        user_id: 'U00000001',
      },
    }),
    'conversations.list': (args, _claims, workspace) => page(args, workspace.channels, 'channels'),
    'users.list': (args, _claims, workspace) => page(args, workspace.members, 'members'),
    'users.info': (args, _claims, workspace) => {
      const user = workspace.members.find((member) => member.id === args.user)
      return user === undefined ? failure('user_not_found') : { body: { user } }
    },
    'chat.postMessage': (args, _claims, workspace) => {
      const wanted = (args.channel ?? '').replace(/^#/, '')
      const channel = workspace.channels.find((one) => one.id === wanted || one.name === wanted)
      if (channel === undefined) return failure('channel_not_found')
      const text = args.text ?? ''
      if (text === '' && (args.blocks ?? '') === '') return failure('no_text')
      if (text.length > 40_000) return failure('msg_too_long')
      const ts = `${Math.floor(Date.now() / 1000)}.${String(workspace.messages.length + 1).padStart(6, '0')}`
      workspace.messages.push({ channel: channel.id, ts, text })
      return {
        body: {
          channel: channel.id,
          ts,
          message: { type: 'message', text, user: 'U00000001', ts, bot_id: 'B00000001' },
        },
      }
    },
  }

  return new Hono().on(['GET', 'POST'], '/:method', async (c) => {
    const name = c.req.param('method')
    const claims = bearerClaims(c.req.header('authorization'), tokens, grants)
    if (claims === undefined)
      return c.json({ ok: false, error: c.req.header('authorization') === undefined ? 'not_authed' : 'invalid_auth' })
    const method = Object.hasOwn(methods, name) ? methods[name] : undefined
    if (method === undefined) return c.json({ ok: false, error: 'unknown_method' })
    const key = `${claims.jti}:${name}`
    const booked = reserve(buckets.get(key), performance.now(), params, 0)
    if (!booked.reservation.booked) {
      const seconds = Math.max(1, Math.ceil(booked.reservation.waitMs / 1000))
      return c.json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(seconds) })
    }
    if (booked.tat !== undefined) buckets.set(key, booked.tat)
    const args = await readArgs(c)
    if (args === undefined) return c.json({ ok: false, error: 'invalid_json' })
    const answer = method(args, claims, workspaceOf(claims))
    return c.json({ ok: !('error' in answer.body), ...answer.body })
  })
}

/** One page of a list: `limit` from 1 to 1000 (Slack's range), an opaque cursor naming where the next page starts. */
function page(args: Args, all: readonly unknown[], field: string): Answer {
  const limit = args.limit === undefined || args.limit === '' ? 100 : Number(args.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return failure('invalid_limit')
  let start = 0
  if (args.cursor !== undefined && args.cursor !== '') {
    const offset = /^next:(\d{1,6})$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'))?.[1]
    if (offset === undefined || Number(offset) >= all.length) return failure('invalid_cursor')
    start = Number(offset)
  }
  const end = start + limit
  const next = end < all.length ? Buffer.from(`next:${end}`).toString('base64') : ''
  return { body: { [field]: all.slice(start, end), response_metadata: { next_cursor: next } } }
}

const failure = (error: string): Answer => ({ body: { error } })

function teamSuffix(user: string): string {
  let hash = 0
  for (const char of user) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0
  return hash.toString(36).toUpperCase().padStart(8, '0').slice(0, 8)
}

/** Slack's arguments: the query, then a form or JSON body on top (strings, as a form would send them). */
async function readArgs(c: Context): Promise<Args | undefined> {
  const args: Args = { ...c.req.query() }
  if (c.req.method !== 'POST') return args
  const type = c.req.header('content-type') ?? ''
  if (type.startsWith('application/json')) {
    const body: unknown = await c.req.json().catch(() => undefined)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined
    for (const [name, value] of Object.entries(body))
      args[name] = typeof value === 'string' ? value : JSON.stringify(value)
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(await c.req.text())) args[name] = value
  }
  return args
}
