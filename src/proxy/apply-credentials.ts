/** @module Putting a connection's (or integration's) credential where the provider's auth style wants it. */
import { JunctionError } from '../core/errors.js'
import type { ProviderDefinition } from '../providers/definition.js'
import { withParameter } from './raw-query.js'

export type UsableCredential =
  | { kind: 'oauth2'; accessToken: string }
  | { kind: 'api_key'; apiKey: string }
  | { kind: 'basic'; username: string; password: string }

/** The header (lower-case) or query parameter the auth style sets: the caller may not set it. */
export function authPlacement(auth: ProviderDefinition['auth']): { header?: string; query?: string } {
  if (auth.type === 'api_key')
    return auth.query !== undefined ? { query: auth.query } : { header: (auth.header ?? 'authorization').toLowerCase() }
  return { header: 'authorization' }
}

export function applyCredential(
  auth: ProviderDefinition['auth'],
  credential: UsableCredential,
  url: URL,
  headers: Record<string, string>,
): void {
  switch (credential.kind) {
    case 'oauth2':
      headers.authorization = `Bearer ${credential.accessToken}`
      return
    case 'basic':
      headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`
      return
    case 'api_key': {
      if (auth.type !== 'api_key')
        throw new JunctionError('internal_error', 'an API key for a provider that does not take one')
      if (auth.query !== undefined) url.search = withParameter(url.search, auth.query, credential.apiKey)
      else headers[(auth.header ?? 'authorization').toLowerCase()] = `${auth.prefix ?? ''}${credential.apiKey}`
    }
  }
}
