/** @module Telling network failures apart: whether anything may have reached the server decides what may be retried. */
import { isJunctionError, type JunctionError } from '../core/errors.js'
import type { NetworkFailure } from './retry-decision.js'

/** Failures before a connection existed: nothing was sent, so even a POST may be tried again. */
const beforeConnect = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
])
const resets = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

export interface ClassifiedFailure {
  kind: NetworkFailure
  description: string
  /** Set when the egress rules refused the address at connect time. */
  egressBlocked: JunctionError | undefined
}

export function classifyNetworkError(error: unknown): ClassifiedFailure {
  let egressBlocked: JunctionError | undefined
  let code: string | undefined
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (isJunctionError(current) && current.code === 'egress_blocked') egressBlocked = current
    const currentCode = (current as { code?: unknown }).code
    if (code === undefined && typeof currentCode === 'string') code = currentCode
    current = (current as { cause?: unknown }).cause
  }
  if (code !== undefined && beforeConnect.has(code))
    return { kind: 'connect', description: `could not connect (${code})`, egressBlocked }
  if (code !== undefined && resets.has(code))
    return { kind: 'reset', description: `connection lost (${code})`, egressBlocked }
  return { kind: 'other', description: `network failure${code === undefined ? '' : ` (${code})`}`, egressBlocked }
}
