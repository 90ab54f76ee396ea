/**
 * @module A small typed HubSpot CRM client on `junction.fetch`: contacts read, list and create.
 * @see https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide
 */
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'

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

export interface HubSpotClient {
  request<T>(request: ClientRequest): Promise<T>
  contacts: {
    /** By record id, or by another unique property with `idProperty` (e.g. `email`). */
    get(id: string, options?: { properties?: string[]; idProperty?: string }): Promise<HubSpotObject>
    list(options?: { limit?: number; after?: string; properties?: string[] }): Promise<HubSpotPage<HubSpotObject>>
    create(input: { properties: Record<string, string>; associations?: unknown[] }): Promise<HubSpotObject>
  }
}

const contacts = '/crm/v3/objects/contacts'

export function createHubSpotClient(fetch: BoundFetch): HubSpotClient {
  const request = <T>(call: ClientRequest) => requestJson<T>(fetch, call)
  return {
    request,
    contacts: {
      get: (id, options = {}) =>
        request({
          path: `${contacts}/${encodeURIComponent(id)}`,
          query: { properties: options.properties?.join(','), idProperty: options.idProperty },
        }),
      list: (options = {}) =>
        request({
          path: contacts,
          query: { limit: options.limit, after: options.after, properties: options.properties?.join(',') },
        }),
      create: (input) => request({ method: 'POST', path: contacts, json: input }),
    },
  }
}
