import { describe, expect, it } from 'vitest'
import { withoutParameter, withParameter } from './raw-query.js'

describe('raw query editing', () => {
  it('removes a parameter in any encoding of its name, leaving the rest byte for byte', () => {
    expect(withoutParameter('?q=a%20b&api_key=x&e=a=b&api%5Fkey=y&api_key', 'api_key')).toBe('?q=a%20b&e=a=b')
    expect(withoutParameter('?api_key=x', 'api_key')).toBe('')
    expect(withoutParameter('', 'api_key')).toBe('')
    expect(withoutParameter('?bad=%E0%A4%A', 'api_key')).toBe('?bad=%E0%A4%A')
  })

  it('adds a parameter encoded, after what is there', () => {
    expect(withParameter('?q=a%20b', 'api_key', 'k&y=1')).toBe('?q=a%20b&api_key=k%26y%3D1')
    expect(withParameter('', 'key', 'v')).toBe('?key=v')
  })
})
