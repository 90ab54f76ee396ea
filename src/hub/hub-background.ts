/**
 * @module The background work of an opened {@link Hub} (keep-alive refreshes, revocation retries, call-log
 * retention), started the same way by `junction start` and `createJunction()`.
 */
import {
  type BackgroundOptions,
  type BackgroundWork,
  defaultBackgroundOptions,
  startBackgroundWork,
} from '../connections/background.js'
import type { Hub } from './open-hub.js'

export function startHubBackgroundWork(
  hub: Hub,
  options: BackgroundOptions = defaultBackgroundOptions,
): BackgroundWork {
  return startBackgroundWork({
    db: hub.database.db,
    vault: hub.vault,
    refresher: hub.services.refresher,
    revoker: hub.services.revoker,
    integrations: hub.services.integrations,
    logger: hub.logger,
    options,
  })
}
