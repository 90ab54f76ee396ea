/**
 * @module The path a call log row shows: the path as called, with its query, every value of a parameter that may
 * hold a secret replaced by `[redacted]` (docs/http-api.md, "Log", `path`). Over-redacting is the safe side.
 */
import { isSecretKeyName, redactedMarker, redactText } from '../core/redact.js'
import { parameterName } from '../core/uri.js'

const secretLooking = /token|secret|passw|key|sig|auth|code|state|session|credential/i

export function loggedPath(path: string, search: string): string {
  const shownPath = path === '' ? '/' : path
  if (search === '' || search === '?') return redactText(shownPath)
  const query = search
    .slice(1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=')
      if (equals === -1) return part
      const name = parameterName(part)
      return isSecretKeyName(name) || secretLooking.test(name) ? `${part.slice(0, equals)}=${redactedMarker}` : part
    })
    .join('&')
  return redactText(`${shownPath}?${query}`)
}
