/**
 * @module A small typed Google client on `junction.fetch`: the signed-in user's OpenID Connect profile.
 * @see https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
 */
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'

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

export interface GoogleClient {
  /** Any call under `https://www.googleapis.com` (or the integration's `api.baseUrl`). */
  request<T>(request: ClientRequest): Promise<T>
  /** Needs the `openid` scope (and `email`, `profile` for those fields). */
  userinfo(): Promise<GoogleUserInfo>
}

export function createGoogleClient(fetch: BoundFetch): GoogleClient {
  const request = <T>(call: ClientRequest) => requestJson<T>(fetch, call)
  return { request, userinfo: () => request({ path: '/oauth2/v3/userinfo' }) }
}
