/**
 * @module What the call log keeps of a proxied call that failed or was retried, for the dashboard's call detail: the
 * headers sent and received, the provider's error body, each attempt. Nothing secret is kept: a header whose name
 * says it carries a credential (and the one the provider's auth style uses) shows as `[redacted]`; every other value,
 * and the body, is scrubbed of the credential's echoes as the caller's answer is, then of anything token-shaped.
 * Bounded, so that a row stays small: at most 64 headers of 2 KiB each, and 64 KiB of body.
 */
import { redactedMarker, redactText, redactValue } from '../core/redact.js'
import { type CallAttempt, type CallDetails, type LoggedBody, maxLoggedBodyBytes } from '../storage/api-logs-store.js'
import { type EchoForms, scrubText } from './echo-scrubber.js'

const maxLoggedHeaders = 64
const maxHeaderValueChars = 2048
/** Attempts kept per call: more than any retry policy makes, with the refresh-and-retry. */
const maxLoggedAttempts = 20

/** Name parts that say a header carries a credential (`X-Api-Key`, `X-Auth-Token`, `Cookie`, `X-Session-Id`). */
const secretNameParts = new Set([
  'authorization',
  'auth',
  'cookie',
  'key',
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'session',
  'signature',
  'credential',
  'credentials',
  'csrf',
  'xsrf',
])

const secretNameFragments = [
  'token',
  'secret',
  'auth',
  'apikey',
  'passw',
  'session',
  'signature',
  'credential',
  'csrf',
  'cookie',
]

/** An idempotency key is what makes a retry safe, not a secret: it stays readable. */
const readableNames = new Set(['idempotency-key'])

export function isSecretHeaderName(name: string, authHeader: string | undefined): boolean {
  const lower = name.toLowerCase()
  if (lower === authHeader?.toLowerCase()) return true
  if (readableNames.has(lower)) return false
  if (lower.split(/[-_.]/).some((part) => secretNameParts.has(part))) return true
  // Run-together names (`X-AuthToken`, `X-CSRFToken`, `AccessToken`) hold the same parts without a separator.
  return secretNameFragments.some((fragment) => lower.includes(fragment))
}

/** Headers as the log keeps them: in order, credentials replaced, other values scrubbed and cut to 2 KiB. */
export function loggedHeaders(
  headers: Iterable<readonly [string, string]>,
  echoForms: EchoForms,
  authHeader?: string,
): Array<[string, string]> {
  const kept: Array<[string, string]> = []
  for (const [name, value] of headers) {
    if (kept.length === maxLoggedHeaders) {
      kept.push(['…', 'more headers, not kept'])
      break
    }
    const lower = name.toLowerCase().slice(0, 256)
    if (isSecretHeaderName(lower, authHeader)) {
      kept.push([lower, redactedMarker])
      continue
    }
    const clean = redactText(scrubText(value, echoForms))
    kept.push([lower, clean.length > maxHeaderValueChars ? `${clean.slice(0, maxHeaderValueChars)}…` : clean])
  }
  return kept
}

/**
 * An error body as the log keeps it: the bytes the caller got (already scrubbed of echoes), as text when they are
 * UTF-8 with no NUL, cut at 64 KiB on a character boundary, with token-shaped text redacted.
 */
export function loggedBody(scrubbed: Uint8Array): LoggedBody {
  const head = scrubbed.subarray(0, maxLoggedBodyBytes)
  const truncated = scrubbed.byteLength > maxLoggedBodyBytes
  let text: string | null
  try {
    // `stream: true` leaves a character cut at the 64 KiB edge out instead of failing on it.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: truncated })
  } catch {
    text = null
  }
  // PostgreSQL's text holds no NUL: such a body is binary for the log's purposes.
  if (text?.includes('\u0000')) text = null
  return { text: text === null ? null : redactBodyText(text), bytes: scrubbed.byteLength, truncated }
}

const secretFieldNames = 'access_token|refresh_token|id_token|token|client_secret|api_key|apikey|password|secret'
/** A secret-named field in JSON that could not be parsed (cut at 64 KiB), or in a form-encoded body. */
const secretJsonField = new RegExp(`("(?:${secretFieldNames})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"?`, 'gi')
const secretFormField = new RegExp(`(^|[&\\s])((?:${secretFieldNames})=)[^&\\s]+`, 'gi')

/**
 * A body's text with the provider's own secrets redacted too (a token it issued, named as such): JSON by its field
 * names at any depth (then indented, for reading), other text by its token shapes and `name=value` pairs.
 */
function redactBodyText(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null) return JSON.stringify(redactValue(parsed), null, 2)
  } catch {
    // Not JSON, or cut short: redacted as text below.
  }
  return redactText(text)
    .replace(secretJsonField, `$1${redactedMarker}"`)
    .replace(secretFormField, `$1$2${redactedMarker}`)
}

/** Collects a call's attempts as the HTTP client reports them, with the wait before each. */
export function createAttemptLog(callStarted: number, now: () => number = () => performance.now()) {
  const attempts: CallAttempt[] = []
  let previousEnd = callStarted
  return {
    attempts,
    record(event: {
      status: number | undefined
      error: string | undefined
      durationMs: number
      rateLimitWaitMs: number
    }) {
      const end = now()
      const sent = end - event.durationMs
      if (attempts.length < maxLoggedAttempts) {
        attempts.push({
          attempt: attempts.length + 1,
          status: event.status ?? null,
          error: event.error ?? null,
          durationMs: Math.round(event.durationMs),
          // The first attempt's wait is its rate-limit wait alone: before it, the time went to reading credentials.
          waitMs: Math.round(attempts.length === 0 ? event.rateLimitWaitMs : Math.max(0, sent - previousEnd)),
          rateLimitWaitMs: Math.round(event.rateLimitWaitMs),
        })
      }
      previousEnd = end
    },
  }
}

/** What a proxied call noted as it went, for its call-log row's details. */
export interface CallNotes {
  attemptLog: ReturnType<typeof createAttemptLog>
  /** The headers sent to the provider (the credential among them) and the header the auth style uses. */
  sent?: { headers: Record<string, string>; authHeader: string | undefined }
  /** The provider's answer as the caller got it: its headers, and its body when it was an error (scrubbed). */
  answered?: { headers: Readonly<Record<string, string>>; body: Uint8Array | undefined }
  /** Junction's own error sentence, as answered. */
  errorText?: string
}

/** The details a row keeps: for a call that failed (no answer, or 4xx/5xx) or was retried; undefined otherwise. */
export function callDetails(
  notes: CallNotes,
  status: number | null,
  echoFormsOf: () => EchoForms,
): CallDetails | undefined {
  const failed = status === null || status >= 400
  if (!failed && notes.attemptLog.attempts.length <= 1) return undefined
  const echoForms = echoFormsOf()
  const details: CallDetails = { attempts: notes.attemptLog.attempts }
  if (notes.errorText !== undefined) details.errorText = notes.errorText
  if (notes.sent !== undefined)
    details.requestHeaders = loggedHeaders(Object.entries(notes.sent.headers), echoForms, notes.sent.authHeader)
  if (notes.answered !== undefined) {
    // In name order, as a web `Headers` lists them.
    const answered = Object.entries(notes.answered.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    details.responseHeaders = loggedHeaders(answered, echoForms)
    if (notes.answered.body !== undefined) details.responseBody = loggedBody(notes.answered.body)
  }
  return details
}
