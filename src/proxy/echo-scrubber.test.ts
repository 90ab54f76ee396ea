import { describe, expect, it } from 'vitest'
import { echoFormsOf, scrubBytes, scrubText } from './echo-scrubber.js'

/**
 * Every character an encoder may change (`/`, `+`, a space, `&`, `<`, `"`, `'`, `=`, a non-ASCII one), ending so that
 * its base64 holds `+`, `/` and padding.
 */
const token = `tok/en+a b&c<d"e'f=g\u00e9h-Secret99~~>?~`
const forms = echoFormsOf({ kind: 'oauth2', accessToken: token })
const scrub = (text: string) => scrubText(text, forms)

/** Each character outside letters and digits through `encode`. */
const encodeSpecials = (text: string, encode: (character: string) => string) =>
  Array.from(text, (character) => (/[A-Za-z0-9]/.test(character) ? character : encode(character))).join('')
const hex = (value: number, width: number) => value.toString(16).padStart(width, '0')

describe('echo scrubbing', () => {
  it('finds a token as sent, and leaves the rest of the text as it was', () => {
    expect(scrub(`before ${token} after`)).toBe('before [redacted] after')
  })

  it('finds it JSON-escaped: as JSON.stringify writes it, with \\/ for /, and with \\uXXXX in either case', () => {
    expect(scrub(`{"t":${JSON.stringify(token)}}`)).toBe('{"t":"[redacted]"}')
    expect(scrub(JSON.stringify(token).replaceAll('/', '\\/'))).toBe('"[redacted]"')
    const upper = encodeSpecials(token, (c) => `\\u${hex(c.charCodeAt(0), 4).toUpperCase()}`)
    const lower = encodeSpecials(token, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)
    expect(upper).toContain('\\u002F')
    expect(scrub(`${upper} ${lower}`)).toBe('[redacted] [redacted]')
  })

  it('finds it percent-encoded in upper or lower case, and form-encoded with + for a space', () => {
    const upper = encodeURIComponent(token)
    const lower = upper.replace(/%[0-9A-F]{2}/g, (encoded) => encoded.toLowerCase())
    const form = new URLSearchParams({ t: token }).toString().slice(2)
    expect([upper, lower, form]).toEqual([
      expect.stringContaining('%2F'),
      expect.stringContaining('%2f'),
      expect.stringContaining('+'),
    ])
    expect(scrub(`a=${upper}&b=${lower}&c=${form}`)).toBe('a=[redacted]&b=[redacted]&c=[redacted]')
  })

  it('finds it as HTML character references: hexadecimal, decimal and named', () => {
    const hexadecimal = encodeSpecials(token, (c) => `&#x${hex(c.codePointAt(0) ?? 0, 1).toUpperCase()};`)
    const decimal = encodeSpecials(token, (c) => `&#${c.codePointAt(0)};`)
    const escaped = token.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;')
    const named = token
      .replaceAll('&', '&amp;')
      .replaceAll('/', '&sol;')
      .replaceAll("'", '&apos;')
      .replace('=', '&equals;')
    expect(hexadecimal).toContain('&#x2F;')
    expect(decimal).toContain('&#47;')
    expect(scrub(`<p>${hexadecimal}</p><p>${decimal}</p><p>${escaped}</p>`)).toBe(
      '<p>[redacted]</p><p>[redacted]</p><p>[redacted]</p>',
    )
    expect(scrub(named)).toBe('[redacted]')
  })

  it('finds it in base64 and base64url, with or without padding', () => {
    const standard = Buffer.from(token).toString('base64')
    const urlSafe = Buffer.from(token).toString('base64url')
    expect(standard).toMatch(/[+/]/)
    expect(standard).toMatch(/=$/)
    expect(scrub(`x ${standard} ${standard.replace(/=+$/, '')} ${urlSafe} y`)).toBe(
      'x [redacted] [redacted] [redacted] y',
    )
  })

  it('finds it in base64 inside a longer base64 string at each of the three alignments, leaving no bit of it', () => {
    for (const before of ['abc', 'abcd', 'abcde']) {
      for (const after of ['', 'x', 'xy', 'xyz']) {
        for (const alphabet of ['base64', 'base64url'] as const) {
          const encoded = Buffer.from(`${before}${token}${after}`).toString(alphabet)
          // Characters made only of the bytes around the token stay; every one holding a bit of it goes.
          const kept = encoded.slice(0, Math.floor((before.length * 8) / 6))
          const keptAfter = encoded.slice(Math.ceil(((before.length + Buffer.byteLength(token)) * 8) / 6))
          const expected = `${kept}[redacted]${keptAfter.replace(/^=+$/, '')}`
          expect(scrub(encoded), `${alphabet} after ${before.length} bytes`).toBe(expected)
        }
      }
    }
  })

  it('finds a basic password, and the user:password pair base64-encoded as in an Authorization header', () => {
    const basic = echoFormsOf({ kind: 'basic', username: 'user', password: 'hunter/22' })
    const header = Buffer.from('user:hunter/22').toString('base64')
    expect(scrubText(`Basic ${header} / hunter/22 / hunter%2F22`, basic)).toBe(
      'Basic [redacted] / [redacted] / [redacted]',
    )
    // A password too short to scrub alone is still scrubbed inside the pair's base64.
    const short = echoFormsOf({ kind: 'basic', username: 'user', password: 'pw' })
    expect(scrubText(`Basic ${Buffer.from('user:pw').toString('base64')}`, short)).toBe('Basic [redacted]')
  })

  it('finds an API key in its encoded forms too', () => {
    const key = echoFormsOf({ kind: 'api_key', apiKey: 'sk_live/abc+def' })
    expect(scrubText('k=sk_live%2fabc%2Bdef j="sk_live\\/abc+def"', key)).toBe('k=[redacted] j="[redacted]"')
  })

  it('replaces bytes, leaving binary bytes around an echo intact, and leaves short secrets alone', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from('tok-123456'), Buffer.from([0xfe])])
    const scrubbed = Buffer.from(scrubBytes(body, echoFormsOf({ kind: 'oauth2', accessToken: 'tok-123456' })))
    expect([...scrubbed]).toEqual([0xff, 0x00, ...Buffer.from('[redacted]'), 0xfe])
    const utf8 = Buffer.from(`«${token}» ${encodeURIComponent(token)}`)
    expect(Buffer.from(scrubBytes(utf8, forms)).toString('utf8')).toBe('«[redacted]» [redacted]')
    expect(echoFormsOf({ kind: 'oauth2', accessToken: 'abc' })).toEqual([])
  })

  it('works out the forms once per credential', () => {
    expect(echoFormsOf({ kind: 'oauth2', accessToken: token })).toBe(forms)
    expect(echoFormsOf({ kind: 'oauth2', accessToken: `${token}2` })).not.toBe(forms)
  })

  it('leaves text without an echo as it was, near misses included', () => {
    const text = `tok/en+a b&c<d"e'f=g\u00e9h-Secret98~~>?~ ${Buffer.from('unrelated').toString('base64')}`
    expect(scrub(text)).toBe(text)
  })
})
