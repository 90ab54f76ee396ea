import { describe, expect, it } from 'vitest'
import { loggedPath } from './logged-path.js'

describe('the path a call log row shows', () => {
  it('keeps the query, with the values of secret-looking parameters redacted', () => {
    expect(loggedPath('/items', '?page=2&limit=10')).toBe('/items?page=2&limit=10')
    expect(loggedPath('/items', '?page=2&api_key=s3cret&access_token=t0k')).toBe(
      '/items?page=2&api_key=[redacted]&access_token=[redacted]',
    )
    expect(loggedPath('/x', '?Sig=abc&X-Amz-Signature=def&code=123&client_secret=z&pass=1')).toBe(
      '/x?Sig=[redacted]&X-Amz-Signature=[redacted]&code=[redacted]&client_secret=[redacted]&pass=1',
    )
    // Encoded names are recognised too.
    expect(loggedPath('/x', '?api%5Fkey=s3cret')).toBe('/x?api%5Fkey=[redacted]')
  })

  it('shows an empty path as / and drops an empty query', () => {
    expect(loggedPath('', '')).toBe('/')
    expect(loggedPath('/a', '?')).toBe('/a')
    expect(loggedPath('/a', '?flag')).toBe('/a?flag')
  })
})
