/**
 * @module Which return URLs a connect session may send the browser back to: one that matches an entry of
 * `allowedReturnUrls` by scheme, host and port, with a path under the entry's path on a segment boundary. No
 * prefix matching on strings: `https://app.example.com.evil.tld` and `https://app.example.com@evil.tld` are other hosts.
 */

export function isAllowedReturnUrl(candidate: string, allowed: readonly string[]): boolean {
  if (!URL.canParse(candidate)) return false
  const url = new URL(candidate)
  if (url.username !== '' || url.password !== '') return false
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  return allowed.some((entry) => {
    if (!URL.canParse(entry)) return false
    const base = new URL(entry)
    if (base.protocol !== url.protocol || base.host !== url.host) return false
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`
    return url.pathname === base.pathname || url.pathname.startsWith(prefix)
  })
}

/** The return URL with the outcome merged into its query (other parameters kept). */
export function withOutcome(returnUrl: string, outcome: Record<string, string>): string {
  const url = new URL(returnUrl)
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value)
  return url.toString()
}
