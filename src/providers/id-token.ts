/** @module Reading claims of an id token received straight from a token endpoint over TLS. */

/**
 * The `sub` claim of an id token. It is read, not verified: the token came in the token endpoint's own TLS
 * response, which OpenID Connect Core §3.1.3.7 allows a client to trust for this. Never use it on a token that
 * arrived any other way.
 */
export function subjectOfIdToken(idToken: unknown): string | undefined {
  return claimsOf(idToken)?.sub
}

export function claimsOf(idToken: unknown): Record<string, string> | undefined {
  if (typeof idToken !== 'string') return undefined
  const payload = idToken.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    return Object.fromEntries(
      Object.entries(claims).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    )
  } catch {
    return undefined
  }
}
