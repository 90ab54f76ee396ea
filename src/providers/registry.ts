/** @module Every provider Junction knows: the built-in ones and those of the config file (custom ones win). */
import { github } from './builtin/github.js'
import { google } from './builtin/google.js'
import { hubspot } from './builtin/hubspot.js'
import { microsoft } from './builtin/microsoft.js'
import { salesforce } from './builtin/salesforce.js'
import { sandboxProvider } from './builtin/sandbox.js'
import { slack } from './builtin/slack.js'
import { stripe } from './builtin/stripe.js'
import { stripeConnect } from './builtin/stripe-connect.js'
import type { ProviderDefinition } from './definition.js'
import { subjectOfIdToken } from './id-token.js'
import type { Provider, ProviderHooks } from './provider.js'

export const builtinProviderNames = [
  'sandbox',
  'google',
  'slack',
  'hubspot',
  'github',
  'microsoft',
  'salesforce',
  'stripe',
  'stripe-connect',
] as const

/** Custom providers that speak OpenID Connect name the account in the id token's `sub`. */
const customHooks: ProviderHooks = {
  accountFacts: (body) => ({ providerAccountId: subjectOfIdToken(body.id_token) }),
}

export function createProviderRegistry(options: {
  publicUrl: string
  custom: Readonly<Record<string, ProviderDefinition>>
}): ReadonlyMap<string, Provider> {
  const providers = new Map<string, Provider>()
  for (const provider of [google, slack, hubspot, github, microsoft, salesforce, stripe, stripeConnect]) {
    providers.set(provider.name, provider)
  }
  providers.set('sandbox', sandboxProvider(options.publicUrl))
  for (const [name, definition] of Object.entries(options.custom))
    providers.set(name, { name, definition, hooks: customHooks })
  return providers
}
