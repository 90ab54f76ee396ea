import { describe, expect, it } from 'vitest'
import { readAnnouncedLimit } from './announced-limit.js'

const now = 1_700_000_000_000
const lookup = (headers: Record<string, string>) => (name: string) => headers[name]

describe('readAnnouncedLimit', () => {
  it.each<[string, Record<string, string>, ReturnType<typeof readAnnouncedLimit>]>([
    ['no limit headers', { 'content-type': 'application/json' }, undefined],
    [
      'IETF draft -08 on',
      { 'ratelimit-policy': '"burst";q=100;w=10, "daily";q=1000;w=86400', ratelimit: '"burst";r=50;t=30' },
      { requestsPerSecond: 10, burst: 100, remaining: 50, resetMs: 30_000 },
    ],
    [
      'IETF draft -07 dictionary',
      { 'ratelimit-policy': '10;w=1', ratelimit: 'limit=10, remaining=3, reset=7' },
      { requestsPerSecond: 10, burst: 10, remaining: 3, resetMs: 7_000 },
    ],
    [
      'IETF drafts up to -06',
      { 'ratelimit-policy': '50;w=1', 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' },
      { requestsPerSecond: 50, burst: 50, remaining: 0, resetMs: 1_000 },
    ],
    [
      'HubSpot, the tighter of its ten-second and secondly limits',
      {
        'x-hubspot-ratelimit-max': '100',
        'x-hubspot-ratelimit-interval-milliseconds': '10000',
        'x-hubspot-ratelimit-remaining': '97',
        'x-hubspot-ratelimit-secondly': '5',
        'x-hubspot-ratelimit-secondly-remaining': '4',
      },
      { requestsPerSecond: 5, burst: 5, remaining: 4, resetMs: undefined },
    ],
    [
      'GitHub: a budget and an epoch reset, no pace',
      { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(now / 1000 + 60) },
      { requestsPerSecond: undefined, burst: undefined, remaining: 4999, resetMs: 60_000 },
    ],
    [
      'malformed values, ignored',
      {
        'ratelimit-policy': '"x";q=-1;w=1, "y";q=ten;w=1, "z";q=5;w=0',
        ratelimit: '"x";r=1e999',
        'x-ratelimit-remaining': 'NaN',
      },
      undefined,
    ],
  ])('%s', (_, headers, expected) => {
    expect(readAnnouncedLimit(lookup(headers), now)).toEqual(expected)
  })
})
