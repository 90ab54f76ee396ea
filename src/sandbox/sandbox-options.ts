/** @module What the sandbox app is built with: its secret, redirect URIs, client, settings and webhook target. */
import type { SandboxConfig } from '../config/sandbox-config.js'
import type { SandboxWebhookTarget } from './sandbox-webhooks.js'

export interface SandboxOptions {
  /** Signs the sandbox's tokens; the client secret is derived from it. */
  secret: Buffer
  /** Exactly these redirect URIs, or (undefined) any loopback one. */
  redirectUris: readonly string[] | undefined
  clientId: string
  clientSecret: string
  config: SandboxConfig
  random?: () => number
  /** Where the sandbox sends its webhooks (`item.created`), when mounted in a hub that takes them. */
  webhooks?: SandboxWebhookTarget | undefined
}
