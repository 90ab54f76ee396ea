/**
 * @module junction/webhooks: webhook verification and signing on their own, with no database and no server. Every
 * public export of the subpath is named here.
 */

// Errors (verifyJunctionEvent throws them)
export { isJunctionError, JunctionError, type JunctionErrorCode } from '../core/errors.js'
// Signing, for an app's own tests
export { signWebhook } from './sign-webhook.js'
// Types
export {
  type SignWebhookOptions,
  type VerifyWebhookOptions,
  type WebhookBody,
  type WebhookHeaders,
  type WebhookRefusalReason,
  type WebhookRefused,
  type WebhookScheme,
  type WebhookVerification,
  type WebhookVerified,
  webhookSchemes,
} from './types.js'
// Events sent by the hub to the app
export { type JunctionEvent, type VerifyJunctionEventOptions, verifyJunctionEvent } from './verify-junction-event.js'
// Verification of providers' deliveries
export { defaultToleranceSeconds, verifyWebhook } from './verify-webhook.js'
