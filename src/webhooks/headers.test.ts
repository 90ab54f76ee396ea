import { describe, expect, it } from 'vitest'
import { headerReader, soleHeaderValue } from './headers.js'

describe('headerReader', () => {
  it('finds a header in a record whatever the case of its name', () => {
    const read = headerReader({ 'X-Hub-Signature-256': 'sha256=00' })
    expect(read('x-hub-signature-256')).toEqual({ kind: 'single', value: 'sha256=00' })
  })

  it('finds a header in a Headers object', () => {
    const read = headerReader(new Headers({ 'Stripe-Signature': 't=1,v1=00' }))
    expect(read('stripe-signature')).toEqual({ kind: 'single', value: 't=1,v1=00' })
  })

  it('says a header is repeated when a record holds an array of two, or two names differing in case', () => {
    expect(headerReader({ 'stripe-signature': ['a', 'b'] })('stripe-signature')).toEqual({ kind: 'repeated' })
    expect(headerReader({ 'Stripe-Signature': 'a', 'stripe-signature': 'b' })('stripe-signature')).toEqual({
      kind: 'repeated',
    })
  })

  it('takes an array of one as the single value, and an absent or undefined header as absent', () => {
    expect(headerReader({ a: ['x'] })('a')).toEqual({ kind: 'single', value: 'x' })
    expect(headerReader({ a: undefined })('a')).toEqual({ kind: 'absent' })
    expect(headerReader(new Headers())('a')).toEqual({ kind: 'absent' })
  })
})

describe('soleHeaderValue', () => {
  it('refuses a value holding a comma: two headers joined by a Headers object or a proxy', () => {
    const headers = new Headers()
    headers.append('x-slack-signature', 'v0=aa')
    headers.append('x-slack-signature', 'v0=bb')
    expect(soleHeaderValue(headerReader(headers), 'x-slack-signature', 'missing_signature')).toEqual({
      reason: 'duplicate_header',
    })
  })

  it('names the reason given for an absent header', () => {
    expect(soleHeaderValue(headerReader({}), 'x-slack-request-timestamp', 'missing_timestamp')).toEqual({
      reason: 'missing_timestamp',
    })
  })
})
