/**
 * @module A small typed HubSpot CRM client on `junction.fetch`: contacts created, read, updated, listed and searched,
 * named as `@hubspot/api-client`'s `crm.contacts` methods are (`basicApi.create`, `getById`, `update`, `getPage`,
 * `searchApi.doSearch`). HubSpot's `X-HubSpot-RateLimit-*` headers reach the proxy's limiter on every answer.
 * @see https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide
 * @see https://developers.hubspot.com/docs/api/crm/search
 */
import { hubspot } from '../providers/builtin/hubspot.js'
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'
import { type CursorPagination, cursorPaginationOf, type PaginatedMethod, paginated } from './paginate.js'

export interface HubSpotObject {
  id: string
  properties: Record<string, string | null>
  createdAt: string
  updatedAt: string
  archived: boolean
}

export interface HubSpotPage<T> {
  results: T[]
  paging?: { next?: { after: string; link?: string } }
}

export interface HubSpotFilter {
  propertyName: string
  operator: string
  value?: string
  values?: string[]
  highValue?: string
}

/** The body of `POST /crm/v3/objects/contacts/search`, as `searchApi.doSearch` takes it. */
export interface HubSpotSearchRequest {
  /** Text searched for in the default searchable properties (name, email, phone, company). */
  query?: string
  filterGroups?: { filters: HubSpotFilter[] }[]
  sorts?: (string | { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' })[]
  properties?: string[]
  /** Up to 200 per page. */
  limit?: number
  /** A page's `paging.next.after`; none for the first page. */
  after?: string
}

export interface HubSpotListArgs {
  limit?: number
  after?: string
  properties?: string[]
  archived?: boolean
}

export interface HubSpotClient {
  request<T>(request: ClientRequest): Promise<T>
  contacts: {
    /** `POST /crm/v3/objects/contacts`. */
    create(input: { properties: Record<string, string>; associations?: unknown[] }): Promise<HubSpotObject>
    /** By record id, or by another unique property with `idProperty` (e.g. `email`). */
    get(
      id: string,
      options?: { properties?: string[]; idProperty?: string; archived?: boolean },
    ): Promise<HubSpotObject>
    /** `PATCH /crm/v3/objects/contacts/{id}`: the given properties change, the others stay. */
    update(
      id: string,
      input: { properties: Record<string, string> },
      options?: { idProperty?: string },
    ): Promise<HubSpotObject>
    /** One page of contacts; `junction.paginate(hubspot.contacts.list, args)` reads them all. */
    list: PaginatedMethod<HubSpotListArgs | undefined, HubSpotPage<HubSpotObject>, HubSpotObject>
    /** One page of a search; `junction.paginate(hubspot.contacts.search, { query })` reads them all. */
    search: PaginatedMethod<HubSpotSearchRequest, HubSpotPage<HubSpotObject> & { total: number }, HubSpotObject>
  }
}

const contacts = '/crm/v3/objects/contacts'
const hubspotPagination = cursorPaginationOf(hubspot)

/** @param pagination how the integration's pages go on (its provider definition's), HubSpot's own by default */
export function createHubSpotClient(
  fetch: BoundFetch,
  pagination: CursorPagination = hubspotPagination,
): HubSpotClient {
  const request = <T>(call: ClientRequest) => requestJson<T>(fetch, call)
  const one = (id: string) => `${contacts}/${encodeURIComponent(id)}`
  return {
    request,
    contacts: {
      create: (input) => request({ method: 'POST', path: contacts, json: input }),
      get: (id, options = {}) =>
        request({
          path: one(id),
          query: {
            properties: options.properties?.join(','),
            idProperty: options.idProperty,
            archived: options.archived,
          },
        }),
      update: (id, input, options = {}) =>
        request({ method: 'PATCH', path: one(id), query: { idProperty: options.idProperty }, json: input }),
      list: paginated(
        (args: HubSpotListArgs | undefined = {}) =>
          request<HubSpotPage<HubSpotObject>>({
            path: contacts,
            query: {
              limit: args.limit,
              after: args.after,
              properties: args.properties?.join(','),
              archived: args.archived,
            },
          }),
        pagination,
        'results',
      ),
      search: paginated(
        (args: HubSpotSearchRequest) =>
          request<HubSpotPage<HubSpotObject> & { total: number }>({
            method: 'POST',
            path: `${contacts}/search`,
            json: args,
          }),
        pagination,
        'results',
      ),
    },
  }
}
