/**
 * @module junction: the only root entry. Every public export is named here, grouped by area; anything not exported
 * here is free to change.
 */

export type { BoundFetch, ClientRequest } from './clients/client-request.js'
// Library
export type { GoogleClient, GoogleUserInfo } from './clients/google.js'
export type { HubSpotClient, HubSpotObject, HubSpotPage } from './clients/hubspot.js'
export { isProviderApiError, ProviderApiError } from './clients/provider-api-error.js'
export type { SlackChannel, SlackClient, SlackResponse, SlackUser } from './clients/slack.js'
export type { Mode } from './config/config.js'
export type { Connection, ConnectionStatus } from './connections/connection-view.js'
export type { AccessToken, ImportedCredentials } from './connections/connections.js'
// Errors
export { ConfigError, isConfigError } from './core/config-error.js'
export { isJunctionError, JunctionError, type JunctionErrorCode, type WireErrorCode } from './core/errors.js'
export { HttpError, isHttpError } from './http/http-error.js'
export type { ConnectionFilter, JunctionConnections } from './library/connections-api.js'
export {
  type ClientOptions,
  type CreateJunctionOptions,
  createJunction,
  type Junction,
} from './library/create-junction.js'
export type { EventFilter, EventRedelivery, JunctionEvents } from './library/events-api.js'
export type { FetchLike } from './library/fetch-for.js'
export type { JunctionFetch } from './proxy/proxy-fetch.js'
export type { Page } from './storage/cursor.js'
export type { Event, EventDelivery } from './storage/event-view.js'
