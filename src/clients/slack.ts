/**
 * @module A small typed Slack Web API client on `junction.fetch`. Slack answers most failures with HTTP 200 and
 * `{ok: false, error}`: those become a {@link ProviderApiError} naming Slack's error.
 * @see https://docs.slack.dev/apis/web-api/
 */
import { slack } from '../providers/builtin/slack.js'
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'
import { type CursorPagination, cursorPaginationOf, type PaginatedMethod, paginated } from './paginate.js'
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

/** Arguments of Slack's cursor-paginated lists. @see https://docs.slack.dev/apis/web-api/pagination */
export interface SlackListArgs {
  /** A page's `response_metadata.next_cursor`; none for the first page. */
  cursor?: string
  /** Items per page (Slack suggests no more than 200). */
  limit?: number
  team_id?: string
}

export type SlackConversationsListArgs = SlackListArgs & { types?: string; exclude_archived?: boolean }
export type SlackConversationsListPage = SlackResponse & { channels: SlackChannel[] }
export type SlackUsersListArgs = SlackListArgs & { include_locale?: boolean }
export type SlackUsersListPage = SlackResponse & { members: SlackUser[] }

export interface SlackClient {
  /** Any Web API call; `path` is the method, e.g. `/conversations.history`. Throws on `ok: false`. */
  request<T extends object = Record<string, unknown>>(request: ClientRequest): Promise<SlackResponse & T>
  auth: {
    test(): Promise<SlackResponse & { url: string; team: string; user: string; team_id: string; user_id: string }>
  }
  chat: {
    /** `POST /chat.postMessage` with a JSON body. @see https://docs.slack.dev/reference/methods/chat.postMessage */
    postMessage(args: {
      channel: string
      text?: string
      blocks?: unknown[]
      thread_ts?: string
      [argument: string]: unknown
    }): Promise<SlackResponse & { channel: string; ts: string; message: Record<string, unknown> }>
  }
  users: {
    /** One page of `users.list`; `junction.paginate(slack.users.list, args)` reads them all. */
    list: PaginatedMethod<SlackUsersListArgs | undefined, SlackUsersListPage, SlackUser>
    info(args: { user: string; include_locale?: boolean }): Promise<SlackResponse & { user: SlackUser }>
  }
  conversations: {
    /** One page of `conversations.list`; `junction.paginate(slack.conversations.list, args)` reads them all. */
    list: PaginatedMethod<SlackConversationsListArgs | undefined, SlackConversationsListPage, SlackChannel>
  }
}

const slackPagination = cursorPaginationOf(slack)

/**
 * @param pagination how the integration's pages go on (its provider definition's), Slack's own by default
 */
export function createSlackClient(fetch: BoundFetch, pagination: CursorPagination = slackPagination): SlackClient {
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
  // Read methods take their arguments in the query (GET, so that the proxy may retry them); write methods take JSON,
  // which Slack accepts for them with `charset=utf-8`. https://docs.slack.dev/apis/web-api/#posting-json
  const read = <T extends object>(method: string, args: object = {}) =>
    request<T>({ path: `/${method}`, query: args as NonNullable<ClientRequest['query']> })
  const write = <T extends object>(method: string, args: object) =>
    request<T>({ method: 'POST', path: `/${method}`, json: args })

  return {
    request,
    auth: { test: () => write('auth.test', {}) },
    chat: { postMessage: (args) => write('chat.postMessage', args) },
    users: {
      list: paginated((args) => read<SlackUsersListPage>('users.list', args), pagination, 'members'),
      info: (args) => read('users.info', args),
    },
    conversations: {
      list: paginated((args) => read<SlackConversationsListPage>('conversations.list', args), pagination, 'channels'),
    },
  }
}
