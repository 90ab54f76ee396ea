/**
 * @module A small typed Google client on `junction.fetch`: the signed-in user's OpenID Connect profile and Calendar
 * events, named as the `googleapis` package names them (`oauth2.userinfo.get`, `calendar.events.list`).
 * @see https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
 * @see https://developers.google.com/workspace/calendar/api/v3/reference/events/list
 */
import { google } from '../providers/builtin/google.js'
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'
import { type CursorPagination, cursorPaginationOf, type PaginatedMethod, paginated } from './paginate.js'

export interface GoogleUserInfo {
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  given_name?: string
  family_name?: string
  picture?: string
  locale?: string
  hd?: string
}

export interface GoogleCalendarEvent {
  id: string
  status?: string
  summary?: string
  description?: string
  start?: { date?: string; dateTime?: string; timeZone?: string }
  end?: { date?: string; dateTime?: string; timeZone?: string }
  [field: string]: unknown
}

/** The query of `events.list`, with the calendar (`primary` for the user's own). */
export interface GoogleEventsListArgs {
  calendarId: string
  /** A page's `nextPageToken`; none for the first page. */
  pageToken?: string
  /** Up to 2,500 per page (Google's default 250). */
  maxResults?: number
  timeMin?: string
  timeMax?: string
  updatedMin?: string
  singleEvents?: boolean
  orderBy?: 'startTime' | 'updated'
  q?: string
  showDeleted?: boolean
  syncToken?: string
  timeZone?: string
}

export interface GoogleEventsPage {
  kind: 'calendar#events'
  items: GoogleCalendarEvent[]
  nextPageToken?: string
  nextSyncToken?: string
  [field: string]: unknown
}

export interface GoogleClient {
  /** Any call under `https://www.googleapis.com` (or the integration's `api.baseUrl`). */
  request<T>(request: ClientRequest): Promise<T>
  /**
   * `GET /oauth2/v3/userinfo` on `www.googleapis.com`, the integration's API host (Google serves the same OpenID
   * Connect claims at `openidconnect.googleapis.com/v1/userinfo`). Needs the `openid` scope (and `email`, `profile`).
   */
  userInfo(): Promise<GoogleUserInfo>
  calendar: {
    events: {
      /** One page of a calendar's events; `junction.paginate(google.calendar.events.list, args)` reads them all. */
      list: PaginatedMethod<GoogleEventsListArgs, GoogleEventsPage, GoogleCalendarEvent>
    }
  }
}

const googlePagination = cursorPaginationOf(google)

/** @param pagination how the integration's pages go on (its provider definition's), Google's own by default */
export function createGoogleClient(fetch: BoundFetch, pagination: CursorPagination = googlePagination): GoogleClient {
  const request = <T>(call: ClientRequest) => requestJson<T>(fetch, call)
  return {
    request,
    userInfo: () => request({ path: '/oauth2/v3/userinfo' }),
    calendar: {
      events: {
        list: paginated(
          ({ calendarId, ...query }: GoogleEventsListArgs) =>
            request<GoogleEventsPage>({
              path: `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`,
              query,
            }),
          pagination,
          'items',
        ),
      },
    },
  }
}
