import { describe, expect, it } from 'vitest'
import { redactText, redactValue } from './redact.js'

describe('redaction', () => {
  it('scrubs token-shaped text', () => {
    const key = `jnc_${'a'.repeat(43)}`
    expect(redactText(`key ${key} used`)).toBe('key [redacted] used')
    expect(redactText('Authorization: Bearer ya29.a0AfH6SMBx-token')).toBe('Authorization: [redacted]')
    expect(redactText('slack xoxb-1234-5678-abcdefgh')).toBe('slack [redacted]')
    expect(redactText('postgres://junction:s3cret@db:5432/x')).toBe('postgres://junction:[redacted]@db:5432/x')
    expect(redactText('/cb?code=abc123&state=xyz&page=2')).toBe('/cb?code=[redacted]&state=[redacted]&page=2')
    expect(redactText('redis://:hunter2@cache:6379')).toBe('redis://:[redacted]@cache:6379')
    expect(redactText('postgres://db/x?sslpassword=hunter2')).toBe('postgres://db/x?sslpassword=[redacted]')
    expect(redactText('Authorization: token opaque-value')).toBe('Authorization: [redacted]')
    expect(redactText('{"authorization":"custom v1:abc"}')).toBe('{"authorization":"[redacted]"}')
  })

  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const value = {
      headers: { Authorization: 'Bearer x', 'x-request-id': 'r1' },
      nested: [{ refresh_token: 'r', accessToken: 'a', clientSecret: 'c', status: 401 }],
      code: 'not_found',
    }
    expect(redactValue(value)).toEqual({
      headers: { Authorization: '[redacted]', 'x-request-id': 'r1' },
      nested: [{ refresh_token: '[redacted]', accessToken: '[redacted]', clientSecret: '[redacted]', status: 401 }],
      code: 'not_found',
    })
  })

  it('never logs raw bytes, and shows dates as dates', () => {
    expect(redactValue({ material: Buffer.from('secret key bytes'), at: new Date(0) })).toEqual({
      material: '[16 bytes]',
      at: '1970-01-01T00:00:00.000Z',
    })
  })

  it('redacts errors, their causes, and survives cycles', () => {
    const cause = new Error('token xoxp-1111-2222-secret leaked')
    const error = new Error('outer', { cause })
    const cyclic: Record<string, unknown> = { error }
    cyclic.self = cyclic
    const text = JSON.stringify(redactValue(cyclic))
    expect(text).not.toContain('xoxp-1111')
    expect(text).toContain('[cycle]')
  })
})
