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
/** A request the HTTP stack refused to send as given (a header value with a line break, say): the caller's mistake. */
const malformed = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_URL',
])
const certificateFailure = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/

export interface ClassifiedFailure {
  kind: NetworkFailure
  /** False when a retry could only fail the same way. */
  retryable: boolean
  description: string
  /** Set when the egress rules refused the address at connect time. */
  egressBlocked: JunctionError | undefined
  /** The request itself cannot be sent: nothing reached the server, and nothing about the server was learnt. */
  malformed: boolean
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
  const classified = (kind: NetworkFailure, retryable: boolean, description: string): ClassifiedFailure => ({
    kind,
    retryable,
    description: `${description}${described}`,
    egressBlocked,
    malformed: false,
  })
  if (code !== undefined && malformed.has(code)) {
    return { ...classified('other', false, 'the request cannot be sent'), malformed: true }
  }
  // A certificate that does not verify: another attempt would only repeat it.
  if (code !== undefined && certificateFailure.test(code))
    return classified('other', false, 'the request cannot be sent')
  if (code !== undefined && beforeConnect.has(code)) return classified('connect', true, 'could not connect')
  if (code !== undefined && resets.has(code)) return classified('reset', true, 'connection lost')
  return classified('other', true, 'network failure')
}
