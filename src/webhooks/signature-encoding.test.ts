import { describe, expect, it } from 'vitest'
import { decodeBase64, decodeHex } from './signature-encoding.js'

describe('decodeHex', () => {
  it('decodes hex of either case', () => {
    expect(decodeHex('00ffAB')).toEqual(Buffer.from([0x00, 0xff, 0xab]))
  })

  it.each(['', 'abc', 'zz', ' 00', '00 ', '0x00'])('refuses %j', (text) => {
    expect(decodeHex(text)).toBeUndefined()
  })
})

describe('decodeBase64', () => {
  it('decodes padded standard base64', () => {
    expect(decodeBase64('VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=')).toHaveLength(32)
  })

  it.each([
    ['empty', ''],
    ['unpadded', 'VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY'],
    ['url-safe alphabet', 'VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1_GSeY='],
    ['a space where a + was', 'AEMA10aqR9xcXb2nlXZor9 cwkt0dNke3bXg59HJrZ4='],
    ['unused bits set in the last character', 'VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeZ='],
    ['trailing newline', 'VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=\n'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64(text)).toBeUndefined()
  })
})
