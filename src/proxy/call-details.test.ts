import { describe, expect, it } from 'vitest'
import { createAttemptLog, isSecretHeaderName, loggedBody, loggedHeaders } from './call-details.js'
import { echoFormsOf } from './echo-scrubber.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('what the call log keeps of a failed call', () => {
  it('redacts headers whose names say they carry a credential, and the auth style’s own', () => {
    for (const name of [
      'Authorization',
      'Cookie',
      'Set-Cookie',
      'X-Api-Key',
      'X-Auth-Token',
      'x_session_id',
      'X-CSRF',
      // Run together, without a separator.
      'X-AuthToken',
      'X-CSRFToken',
      'AccessToken',
      'X-ApiToken',
    ])
      expect(isSecretHeaderName(name, undefined), name).toBe(true)
    for (const name of ['Content-Type', 'X-Request-Id', 'Idempotency-Key', 'Retry-After', 'Keep-Alive'])
      expect(isSecretHeaderName(name, undefined), name).toBe(false)
    expect(isSecretHeaderName('X-Partner', 'x-partner')).toBe(true)
  })

  it('scrubs echoes and token shapes from other values, and bounds names, values and count', () => {
    const forms = echoFormsOf({ kind: 'api_key', apiKey: 'key-0123456789' })
    const kept = loggedHeaders(
      [
        ['X-Echo', `sent key-0123456789 and ${Buffer.from('key-0123456789').toString('base64')}`],
        ['X-Note', 'Bearer abcdefghijklmnop'],
        ['X-Long', 'v'.repeat(5000)],
        ...Array.from({ length: 70 }, (_, n) => [`x-h${n}`, 'x'] as [string, string]),
      ],
      forms,
    )
    expect(kept[0]).toEqual(['x-echo', 'sent [redacted] and [redacted]'])
    expect(kept[1]).toEqual(['x-note', '[redacted]'])
    expect(kept[2]?.[1]).toHaveLength(2049)
    expect(kept).toHaveLength(65)
    expect(kept.at(-1)).toEqual(['…', 'more headers, not kept'])
  })

  it('redacts the provider’s own secrets in a body: JSON at any depth, cut JSON, and form fields', () => {
    const json = loggedBody(bytes('{"error":"x","nested":[{"refresh_token":"rt-abcdef123"}],"password":"pw-123456"}'))
    expect(json.text).not.toContain('rt-abcdef123')
    expect(json.text).not.toContain('pw-123456')
    expect(JSON.parse(json.text ?? '')).toEqual({
      error: 'x',
      nested: [{ refresh_token: '[redacted]' }],
      password: '[redacted]',
    })
    const cut = loggedBody(bytes('{"a":1,"access_token":"at-0011223344","client_secret": "cs-99887766'))
    expect(cut.text).toBe('{"a":1,"access_token":"[redacted]","client_secret": "[redacted]"')
    const form = loggedBody(bytes('error=invalid&refresh_token=rt-5566778899&x=1'))
    expect(form.text).toBe('error=invalid&refresh_token=[redacted]&x=1')
    expect(loggedBody(bytes('token=abcdefghij')).text).toBe('token=[redacted]')
  })

  it('keeps 64 KiB of a larger body, cut on a character boundary, and says when bytes are not text', () => {
    const big = loggedBody(bytes(`${'a'.repeat(64 * 1024 - 1)}é and more`))
    expect(big).toMatchObject({ truncated: true, bytes: 64 * 1024 + 10 })
    expect(big.text).toBe('a'.repeat(64 * 1024 - 1))
    expect(loggedBody(new Uint8Array([0xff, 0xfe, 0x00]))).toEqual({ text: null, bytes: 3, truncated: false })
    expect(loggedBody(bytes('a\u0000b')).text).toBeNull()
    expect(loggedBody(new Uint8Array())).toEqual({ text: '', bytes: 0, truncated: false })
  })

  it('keeps a body nested deeper than the stack as text, without throwing', () => {
    const deep = `${'['.repeat(30_000)}"a_0123456789abcdef_secret"${']'.repeat(30_000)}`
    const logged = loggedBody(bytes(deep))
    expect(logged.bytes).toBe(deep.length)
    expect(typeof logged.text).toBe('string')
  })

  it('notes each attempt with the wait before it', () => {
    let now = 1_000
    const log = createAttemptLog(1_000, () => now)
    now = 1_050
    log.record({ status: 503, error: undefined, durationMs: 40, rateLimitWaitMs: 5 })
    now = 1_400
    log.record({ status: undefined, error: 'timeout', durationMs: 100, rateLimitWaitMs: 20 })
    expect(log.attempts).toEqual([
      { attempt: 1, status: 503, error: null, durationMs: 40, waitMs: 5, rateLimitWaitMs: 5 },
      { attempt: 2, status: null, error: 'timeout', durationMs: 100, waitMs: 250, rateLimitWaitMs: 20 },
    ])
  })
})
