/**
 * @module Work a running hub does on its own: refreshing connections idle for a week (providers such as Google and
 * Salesforce expire refresh tokens that go unused), retrying revocations the providers did not confirm, and
 * forgetting call-log rows past their retention.
 * Timers do not keep the process alive; `stop()` ends them and waits for a round in progress.
 */
import type { Kysely } from 'kysely'
import type { ResolvedIntegration } from '../config/resolve-integration.js'
import type { Logger } from '../core/logger.js'
import { type CallLogRetention, defaultCallLogRetention, pruneCallLogs } from '../logs/call-log-retention.js'
import { connectionsIdleSince } from '../storage/keep-alive-store.js'
import type { Schema } from '../storage/schema.js'
import type { ConnectionState } from './connection-state.js'
import type { Revoker } from './revoker.js'

export interface BackgroundOptions {
  /** How often a round runs. @default 60_000 */
  everyMs: number
  /** Refresh connections not refreshed for this long. @default 604_800_000 (7 days) */
  keepAliveAfterMs: number
  /** Connections kept alive per round. @default 20 */
  batchSize: number
  callLogs: CallLogRetention
}

export const defaultBackgroundOptions: BackgroundOptions = Object.freeze({
  everyMs: 60_000,
  keepAliveAfterMs: 604_800_000,
  batchSize: 20,
  callLogs: defaultCallLogRetention,
})

export interface BackgroundWork {
  /** One round, now (tests call it directly). */
  runOnce(): Promise<{ keptAlive: number; revoked: number; logsPruned: number }>
  stop(): Promise<void>
}

export function startBackgroundWork(deps: {
  db: Kysely<Schema>
  /** Refreshes (through the one refresh path, which forgets what it changes). */
  state: Pick<ConnectionState, 'keepAlive'>
  revoker: Revoker
  integrations: ReadonlyMap<string, ResolvedIntegration>
  logger: Logger
  options: BackgroundOptions
}): BackgroundWork {
  const { options, logger } = deps
  let round: Promise<unknown> = Promise.resolve()

  async function keepAlive(): Promise<number> {
    let kept = 0
    // Only OAuth integrations have refresh tokens to keep alive.
    const oauth = [...deps.integrations.values()].filter((integration) => integration.definition.auth.type === 'oauth2')
    const ids = oauth.map((integration) => integration.id)
    for (const row of await connectionsIdleSince(deps.db, ids, options.keepAliveAfterMs, options.batchSize)) {
      const integration = deps.integrations.get(row.integration)
      if (integration === undefined) continue
      try {
        if (await deps.state.keepAlive(row, integration)) kept++
      } catch (error) {
        // One broken row (unreadable, refused) never stops the round for the others.
        // The connection's status says what happened; the round goes on.
        logger.warn({ err: error, integration: row.integration }, 'keep-alive refresh failed')
      }
    }
    return kept
  }

  async function runOnce() {
    const keptAlive = await keepAlive()
    const revoked = await deps.revoker.retryPending(deps.integrations)
    const logsPruned = await pruneCallLogs(deps.db, options.callLogs)
    return { keptAlive, revoked, logsPruned }
  }

  const timer = setInterval(() => {
    round = round.then(runOnce).catch((error: unknown) => logger.warn({ err: error }, 'a background round failed'))
  }, options.everyMs)
  timer.unref()

  return {
    runOnce,
    async stop() {
      clearInterval(timer)
      await round
    },
  }
}
