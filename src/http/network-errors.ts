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
/** Failures that another attempt would only repeat: a malformed request, or a certificate that does not verify. */
const final = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_CHAR', 'ERR_INVALID_URL'])
const certificateFailure = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/

export interface ClassifiedFailure {
  kind: NetworkFailure
  /** False when a retry could only fail the same way. */
  retryable: boolean
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
  const described = code === undefined ? '' : ` (${code})`
  if (code !== undefined && (final.has(code) || certificateFailure.test(code))) {
    return { kind: 'other', retryable: false, description: `the request cannot be sent${described}`, egressBlocked }
  }
  if (code !== undefined && beforeConnect.has(code)) {
    return { kind: 'connect', retryable: true, description: `could not connect${described}`, egressBlocked }
  }
  if (code !== undefined && resets.has(code)) {
    return { kind: 'reset', retryable: true, description: `connection lost${described}`, egressBlocked }
  }
  return { kind: 'other', retryable: true, description: `network failure${described}`, egressBlocked }
}
