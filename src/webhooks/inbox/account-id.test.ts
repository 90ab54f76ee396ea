import { describe, expect, it } from 'vitest'
import { accountIdAt } from './account-id.js'

describe('accountIdAt', () => {
  it.each([
    ['Slack', { team_id: 'T1DC2JH3J', event: {} }, 'team_id', 'T1DC2JH3J'],
    ['HubSpot, the first event of a batch', [{ portalId: 62515 }, { portalId: 1 }], '0.portalId', '62515'],
    ['Stripe Connect', { id: 'evt_1', account: 'acct_1' }, 'account', 'acct_1'],
    ['a nested path', { data: { account: { id: 'a-1' } } }, 'data.account.id', 'a-1'],
  ])('reads %s', (_, body, path, expected) => {
    expect(accountIdAt(body, path)).toBe(expected)
  })

  it.each([
    ['a missing field', { other: 1 }, 'team_id'],
    ['an empty string', { team_id: '' }, 'team_id'],
    ['an object', { team_id: { id: 'T1' } }, 'team_id'],
    ['a boolean', { team_id: true }, 'team_id'],
    ['an index past the end', [], '0.portalId'],
    ['a name on an array', [{ portalId: 1 }], 'portalId'],
    ["an object's prototype", {}, 'constructor'],
    ['a body that is not JSON (parsed as undefined)', undefined, 'team_id'],
    ['an infinite number', { n: Number.POSITIVE_INFINITY }, 'n'],
  ])('answers undefined for %s', (_, body, path) => {
    expect(accountIdAt(body, path)).toBeUndefined()
  })
})
