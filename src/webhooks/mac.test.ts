import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hmacSha256, macsEqual } from './mac.js'

const mac = hmacSha256('secret', 'body')

describe('macsEqual', () => {
  it('accepts the same bytes', () => {
    expect(macsEqual(Uint8Array.from(mac), mac)).toBe(true)
  })

  it('refuses a MAC that differs in any one byte, first, middle or last', () => {
    for (let position = 0; position < mac.length; position++) {
      const changed = Uint8Array.from(mac)
      changed[position]! ^= 0x01
      expect(macsEqual(changed, mac), `byte ${position}`).toBe(false)
    }
  })

  it('refuses a MAC of another length instead of throwing (timingSafeEqual would)', () => {
    expect(() => macsEqual(mac.subarray(0, 31), mac)).not.toThrow()
    expect(macsEqual(mac.subarray(0, 31), mac)).toBe(false)
    expect(macsEqual(Buffer.concat([mac, Buffer.of(0)]), mac)).toBe(false)
    expect(macsEqual(new Uint8Array(0), mac)).toBe(false)
  })

  it('refuses a MAC that only shares its first byte', () => {
    const sameFirstByte = Buffer.alloc(mac.length, 0)
    sameFirstByte[0] = mac[0]!
    expect(macsEqual(sameFirstByte, mac)).toBe(false)
  })
})

describe('hmacSha256', () => {
  it('is the HMAC of the parts concatenated, strings taken as UTF-8', () => {
    const expected = createHmac('sha256', 'k').update('v0:1:é\u0000').digest()
    expect(hmacSha256('k', 'v0:', '1:', Buffer.from('é'), new Uint8Array([0]))).toEqual(expected)
  })
})
