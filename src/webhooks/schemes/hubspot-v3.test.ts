import { describe, expect, it } from 'vitest'
import { hubspotSignedUri } from './hubspot-v3.js'

describe('hubspotSignedUri', () => {
  it('decodes the escapes HubSpot lists, in either case, and keeps every other escape', () => {
    expect(
      hubspotSignedUri('https://h.example/hooks%2Fhubspot?to=a%40b.example&x=%3a%21%24%27%28%29%2A%2C%3B%3F'),
    ).toBe("https://h.example/hooks/hubspot?to=a@b.example&x=:!$'()*,;?")
    expect(hubspotSignedUri('https://h.example/a%20b?q=%25%26')).toBe('https://h.example/a%20b?q=%25%26')
  })
})
