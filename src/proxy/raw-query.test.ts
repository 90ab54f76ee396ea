import { describe, expect, it } from 'vitest'
import { withoutParameter, withParameter } from './raw-query.js'

describe('raw query editing', () => {
  it('removes a parameter in any encoding of its name, leaving the rest byte for byte', () => {
    expect(withoutParameter('?q=a%20b&api_key=x&e=a=b&api%5Fkey=y&api_key', 'api_key')).toBe('?q=a%20b&e=a=b')
    expect(withoutParameter('?api_key=x', 'api_key')).toBe('')
    expect(withoutParameter('', 'api_key')).toBe('')
    expect(withoutParameter('?bad=%E0%A4%A', 'api_key')).toBe('?bad=%E0%A4%A')
  })

  it.each([
    ['another case', 'API_KEY=x', 'Api_Key=x'],
    [
      'a percent-encoded name, in either case, or encoded twice',
      'api%5fkey=x',
      '%61%70%69%5F%6B%65%79=x',
      'api%255Fkey=x',
    ],
    ['an array suffix', 'api_key[]=x', 'api_key%5B%5D=x', 'api_key[0]=x', 'api_key[a][b]=x', 'api_key%5b=x'],
    ['spaces around the name', 'api_key%20=x', 'api_key+=x', '+api_key=x', '%20api_key%09=x'],
    ["PHP's reading of . and spaces as _", 'api.key=x', 'api+key=x', 'api[key=x'],
    ['a NUL that ends the name', 'api_key%00junk=x'],
  ])('removes a name that reads as the parameter: %s', (_, ...pairs) => {
    for (const pair of pairs) expect(withoutParameter(`?keep=1&${pair}&also=2`, 'api_key'), pair).toBe('?keep=1&also=2')
  })

  it('takes ; as a separator too, removing only the part that names the parameter', () => {
    expect(withoutParameter('?x=1;api_key=y&z=2', 'api_key')).toBe('?x=1&z=2')
    expect(withoutParameter('?API_KEY=y;x=1', 'api_key')).toBe('?x=1')
    expect(withoutParameter('?a=1;api_key=y;b=2', 'api_key')).toBe('?a=1;b=2')
    expect(withoutParameter('?api_key=y;api_key=z', 'api_key')).toBe('')
    expect(withoutParameter('?filter=a;b&sort=c;d', 'api_key')).toBe('?filter=a;b&sort=c;d')
  })

  it('keeps parameters that only look alike', () => {
    const search = '?api_keys=1&my_api_key=2&apikey=3&api-key=4&key=5&x=api_key'
    expect(withoutParameter(search, 'api_key')).toBe(search)
  })

  it('adds a parameter encoded, after what is there', () => {
    expect(withParameter('?q=a%20b', 'api_key', 'k&y=1')).toBe('?q=a%20b&api_key=k%26y%3D1')
    expect(withParameter('', 'key', 'v')).toBe('?key=v')
  })
})
