/**
 * @module A small typed Slack Web API client on `junction.fetch`. Slack answers most failures with HTTP 200 and
 * `{ok: false, error}`: those become a {@link ProviderApiError} naming Slack's error.
 * @see https://docs.slack.dev/apis/web-api/
 */
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'
import { ProviderApiError } from './provider-api-error.js'

export interface SlackResponse {
  ok: true
  warning?: string
  response_metadata?: { next_cursor?: string; warnings?: string[] }
}

export interface SlackUser {
  id: string
  name: string
  real_name?: string
  deleted?: boolean
  is_bot?: boolean
  profile?: { email?: string; display_name?: string; real_name?: string; image_72?: string }
}

export interface SlackChannel {
  id: string
  name: string
  is_private?: boolean
  is_archived?: boolean
  is_member?: boolean
}

export interface SlackClient {
  /** Any Web API call; `path` is the method, e.g. `/conversations.history`. Throws on `ok: false`. */
  request<T extends object = Record<string, unknown>>(request: ClientRequest): Promise<SlackResponse & T>
  auth: {
    test(): Promise<SlackResponse & { url: string; team: string; user: string; team_id: string; user_id: string }>
  }
  chat: {
    postMessage(args: {
      channel: string
      text?: string
      blocks?: unknown[]
      thread_ts?: string
      [argument: string]: unknown
    }): Promise<SlackResponse & { channel: string; ts: string; message: Record<string, unknown> }>
  }
  users: {
    list(args?: {
      cursor?: string
      limit?: number
      team_id?: string
    }): Promise<SlackResponse & { members: SlackUser[] }>
    info(args: { user: string }): Promise<SlackResponse & { user: SlackUser }>
  }
  conversations: {
    list(args?: {
      cursor?: string
      limit?: number
      types?: string
      exclude_archived?: boolean
    }): Promise<SlackResponse & { channels: SlackChannel[] }>
  }
}

export function createSlackClient(fetch: BoundFetch): SlackClient {
  async function request<T extends object>(call: ClientRequest): Promise<SlackResponse & T> {
    const data = await requestJson<{ ok?: boolean; error?: unknown } | undefined>(fetch, call)
    if (data?.ok !== true) {
      const providerError = typeof data?.error === 'string' ? data.error : 'unknown_error'
      throw new ProviderApiError(`Slack answered ${call.path} with ${providerError}`, {
        providerError,
        status: 200,
        data,
      })
    }
    return data as SlackResponse & T
  }
  // Read methods take their arguments in the query; write methods take JSON (which Slack accepts for them).
  const read = <T extends object>(method: string, args: object = {}) =>
    request<T>({ path: `/${method}`, query: args as NonNullable<ClientRequest['query']> })
  const write = <T extends object>(method: string, args: object) =>
    request<T>({ method: 'POST', path: `/${method}`, json: args })

  return {
    request,
    auth: { test: () => write('auth.test', {}) },
    chat: { postMessage: (args) => write('chat.postMessage', args) },
    users: { list: (args) => read('users.list', args), info: (args) => read('users.info', args) },
    conversations: { list: (args) => read('conversations.list', args) },
  }
}
