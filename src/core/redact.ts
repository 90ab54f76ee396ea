/** @module Scrubbing secrets from text and log objects before they leave the process. */

/** Keys whose values are never logged, at any depth (compared case-insensitively, ignoring `-` and `_`). */
const secretKeyNames = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'clientsecret',
  'password',
  'secret',
  'webhooksecret',
  'eventssecret',
  'encryptionkeys',
  'credentials',
  'codeverifier',
  'databaseurl',
  'redisurl',
  'connectionstring',
  'encryptionkey',
  'keys',
  'hash',
  'sslpassword',
])

export const redactedMarker = '[redacted]'

/** Token-shaped text, and what replaces it: our API keys, bearer tokens, common provider tokens, URL credentials. */
const secretPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bjnc_[A-Za-z0-9_-]{8,}/g, redactedMarker],
  // Whatever follows an Authorization label, whatever its scheme (`token …`, `Bearer …`, custom ones).
  [/(authorization["']?\s*[:=]\s*["']?)[^"',}\r\n]+/gi, `$1${redactedMarker}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, redactedMarker],
  [/\b(xox[abprs]|ghp|gho|ghu|ghs|ghr|sk_live|sk_test|rk_live|rk_test|whsec)[_-][A-Za-z0-9_-]{8,}/g, redactedMarker],
  [/\bya29\.[A-Za-z0-9._-]{8,}/g, redactedMarker],
  [/(\/\/[^/\s:@]*:)[^@\s/]+@/g, `$1${redactedMarker}@`],
  [
    /([?&](?:access_token|refresh_token|id_token|token|code|code_verifier|client_secret|api_key|apikey|key|password|sslpassword|state|sig|signature)=)[^&#\s]+/gi,
    `$1${redactedMarker}`,
  ],
]

export function isSecretKeyName(name: string): boolean {
  return secretKeyNames.has(name.toLowerCase().replace(/[-_]/g, ''))
}

/** Replaces anything token-shaped in a string. */
export function redactText(text: string): string {
  let result = text
  for (const [pattern, replacement] of secretPatterns) result = result.replace(pattern, replacement)
  return result
}

/** A deep copy with secret-named fields replaced and token-shaped text scrubbed. Cycles are cut. */
export function redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  // Raw bytes are never logged: they are as likely to be a key as anything else.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`
  if (seen.has(value)) return '[cycle]'
  seen.add(value)
  if (value instanceof Error) return redactError(value, seen)
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen))
  const result: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value)) {
    result[name] =
      isSecretKeyName(name) && field !== undefined && field !== null ? redactedMarker : redactValue(field, seen)
  }
  return result
}

function redactError(error: Error, seen: WeakSet<object>): Record<string, unknown> {
  const result: Record<string, unknown> = { type: error.name, message: redactText(error.message) }
  if (error.stack !== undefined) result.stack = redactText(error.stack)
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') result.code = code
  if (error.cause !== undefined) result.cause = redactValue(error.cause, seen)
  return result
}
