import { describe, expect, it } from 'vitest'
import { echoFormsOf, scrubBytes, scrubText } from './echo-scrubber.js'

describe('echo scrubbing', () => {
  it('finds a token as sent, URL-encoded and JSON-escaped', () => {
    const forms = echoFormsOf({ kind: 'api_key', apiKey: 'k/e+y"sec ret' })
    const body = `a=k/e+y"sec ret b=${encodeURIComponent('k/e+y"sec ret')} c=${JSON.stringify('k/e+y"sec ret')} d=k%2Fe%2By%22sec+ret`
    const scrubbed = Buffer.from(scrubBytes(Buffer.from(body), forms)).toString('utf8')
    expect(scrubbed).toBe('a=[redacted] b=[redacted] c="[redacted]" d=[redacted]')
  })

  it("finds a basic password and the header's base64 value", () => {
    const forms = echoFormsOf({ kind: 'basic', username: 'user', password: 'hunter22' })
    const header = Buffer.from('user:hunter22').toString('base64')
    expect(scrubText(`Basic ${header} / hunter22`, forms)).toBe('Basic [redacted] / [redacted]')
  })

  it('leaves binary bytes around an echo intact, and short secrets alone', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from('tok-123456'), Buffer.from([0xfe])])
    const scrubbed = Buffer.from(scrubBytes(body, echoFormsOf({ kind: 'oauth2', accessToken: 'tok-123456' })))
    expect([...scrubbed]).toEqual([0xff, 0x00, ...Buffer.from('[redacted]'), 0xfe])
    expect(echoFormsOf({ kind: 'oauth2', accessToken: 'abc' })).toEqual([])
  })
})
