/**
 * @module junction: the only root entry. Every public export is named here, grouped by area; anything not exported
 * here is free to change.
 */

// Errors
export { ConfigError, isConfigError } from './core/config-error.js'
export { isJunctionError, JunctionError, type JunctionErrorCode, type WireErrorCode } from './core/errors.js'
