/**
 * @module The names and auth types of the built-in providers. Their full definitions (URLs, quirks) come with the
 * connections work; until then the config loader uses this table to check that an integration names a real provider
 * and carries the credentials its auth type needs.
 */
import type { ProviderAuthType } from './definition.js'

export const builtinProviderAuthTypes: Readonly<Record<string, ProviderAuthType>> = {
  sandbox: 'oauth2',
  google: 'oauth2',
  slack: 'oauth2',
  hubspot: 'oauth2',
  github: 'oauth2',
  microsoft: 'oauth2',
  salesforce: 'oauth2',
  'stripe-connect': 'oauth2',
  // The app's own secret key: an app-level integration.
  stripe: 'api_key',
}
