/**
 * @module The development hub's `sandbox-slack` and `sandbox-hubspot` integrations: the `sandbox` integration's OAuth
 * (the same consent page and tokens), with the base URL of the sandbox's Slack- or HubSpot-shaped API and that
 * provider's pagination, so that `junction.slack('u_1', { integration: 'sandbox-slack' })` works offline.
 */
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import { hubspot } from '../providers/builtin/hubspot.js'
import { slack } from '../providers/builtin/slack.js'
import type { Provider } from '../providers/provider.js'

export function sandboxShapedIntegrations(sandbox: ResolvedIntegration): ResolvedIntegration[] {
  // The sandbox's API is at `<publicUrl>/sandbox/api`; its shaped ones beside it.
  const root = sandbox.definition.api.baseUrl.replace(/\/api\/?$/, '')
  const shaped = (id: string, provider: Provider, baseUrl: string): ResolvedIntegration => {
    const { webhooks: _none, ...definition } = sandbox.definition
    return {
      ...sandbox,
      id,
      definition: {
        ...definition,
        displayName: `Sandbox ${provider.definition.displayName ?? provider.name}`,
        api: { baseUrl },
        ...(provider.definition.pagination === undefined ? {} : { pagination: provider.definition.pagination }),
      },
      // Their changes are not announced: the sandbox's webhooks belong to the `sandbox` integration.
      webhookSecrets: [],
    }
  }
  return [shaped('sandbox-slack', slack, `${root}/slack/api`), shaped('sandbox-hubspot', hubspot, `${root}/hubspot`)]
}
