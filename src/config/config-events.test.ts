/** The configuration of events sent to the app: `events.url`, `events.retentionDays`, `JUNCTION_EVENTS_SECRET`. */
import { describe, expect, it } from 'vitest'
import { configError, loadTestConfig as load } from '../../test/helpers/config-load.js'

const first = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const second = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const url = 'https://app.example/junction-events'

describe('events configuration', () => {
  it('keeps events 30 days unless events.retentionDays says otherwise, with or without a url', () => {
    expect(load({})).toMatchObject({ eventsUrl: undefined, eventsRetentionDays: 30, eventsSecrets: [] })
    expect(load({ events: { retentionDays: 7 } })).toMatchObject({ eventsUrl: undefined, eventsRetentionDays: 7 })
    expect(load({ events: { url, retentionDays: 90 } })).toMatchObject({ eventsUrl: url, eventsRetentionDays: 90 })
  })

  it('reads a comma-separated list of secrets for a rotation, from the environment or the file', () => {
    expect(load({}, { JUNCTION_EVENTS_SECRET: `${first}, ${second}` }).eventsSecrets).toEqual([first, second])
    expect(load({ eventsSecret: first }).eventsSecrets).toEqual([first])
    expect(load({ eventsSecret: { env: 'EVENTS' } }, { EVENTS: `${second},${first}` }).eventsSecrets).toEqual([
      second,
      first,
    ])
  })

  it.each([
    [{ events: { retentionDays: 0 } }, {}, 'config error at events.retentionDays: must be at least 1'],
    [{ events: { retentionDays: 1.5 } }, {}, 'config error at events.retentionDays: expected int'],
    [{ events: { url, extra: 1 } }, {}, 'config error at events: unknown key "extra"'],
    [
      {},
      { JUNCTION_EVENTS_SECRET: `${first},plain-secret-value` },
      'config error at JUNCTION_EVENTS_SECRET: expected whsec_ followed by base64 (entry 2 of 2)',
    ],
    [
      { eventsSecret: `${first},` },
      {},
      'config error at eventsSecret: expected whsec_ followed by base64 (entry 2 of 2)',
    ],
  ])('refuses %j %j with a message naming the place, never the value', (file, env, message) => {
    expect(configError(() => load(file, env as Record<string, string>))).toBe(message)
  })

  it('requires a secret in production once events.url is set, and not before', () => {
    const production = { NODE_ENV: 'production' }
    expect(configError(() => load({ events: { url } }, production))).toBe(
      'config error at JUNCTION_EVENTS_SECRET: required in production once events.url is set: whsec_ followed by base64 of 32 random bytes, e.g. whsec_$(openssl rand -base64 32)',
    )
    expect(load({ events: { retentionDays: 3 } }, production).eventsSecrets).toEqual([])
    expect(load({ events: { url } }, { ...production, JUNCTION_EVENTS_SECRET: first }).eventsSecrets).toEqual([first])
    // Development generates one when the hub starts.
    expect(load({ events: { url } }).eventsSecrets).toEqual([])
  })
})
