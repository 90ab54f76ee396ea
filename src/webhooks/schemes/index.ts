/** @module Every scheme by its name in a provider's `webhooks.scheme`. */
import type { WebhookScheme } from '../types.js'
import { githubScheme } from './github.js'
import { hubspotV3Scheme } from './hubspot-v3.js'
import type { WebhookSchemeDefinition } from './scheme.js'
import { shopifyScheme } from './shopify.js'
import { slackScheme } from './slack.js'
import { standardWebhooksScheme } from './standard-webhooks.js'
import { stripeScheme } from './stripe.js'

const schemes: Readonly<Record<WebhookScheme, WebhookSchemeDefinition>> = {
  stripe: stripeScheme,
  slack: slackScheme,
  'hubspot-v3': hubspotV3Scheme,
  github: githubScheme,
  'standard-webhooks': standardWebhooksScheme,
  shopify: shopifyScheme,
}

/** The scheme of that name, or `undefined` for a name that is none (from untyped callers). */
export function schemeNamed(name: string): WebhookSchemeDefinition | undefined {
  return Object.hasOwn(schemes, name) ? schemes[name as WebhookScheme] : undefined
}
