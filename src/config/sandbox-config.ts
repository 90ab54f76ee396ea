/** @module The sandbox's settings in the config file's `sandbox` object (never from a request). */
import { z } from 'zod'

export const sandboxConfigSchema = z.strictObject({
  /**
   * Redirect URIs the sandbox accepts. Mounted in a hub: the hub's own callback, always. On its own: these, or any
   * loopback URL when none are given.
   */
  redirectUris: z.array(z.url()).optional(),
  /** Approve every authorization without showing the page (tests). @default false */
  autoApprove: z.boolean().optional(),
  /** @default 3600 */
  accessTokenSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Per access token. @default 10/s, burst 10 */
  rateLimit: z
    .strictObject({ requestsPerSecond: z.number().positive(), burst: z.number().int().positive() })
    .optional(),
  /** Fault injection on the API: a share of 503s and of reset connections, and added latency. */
  faults: z
    .strictObject({
      errorRate: z.number().min(0).max(1).optional(),
      resetRate: z.number().min(0).max(1).optional(),
      latencyMs: z.number().int().min(0).max(60_000).optional(),
    })
    .optional(),
})

export type SandboxConfig = z.infer<typeof sandboxConfigSchema>
