/**
 * The sandbox's Slack- and HubSpot-shaped APIs: `ok: false` errors, cursors and rate-limit answers as those providers
 * send them, the typed clients and `junction.paginate()` against them on a real socket, and the development hub's
 * `sandbox-slack` and `sandbox-hubspot` integrations.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJunction, type Junction } from '../src/index.js'
import { slack as slackProvider } from '../src/providers/builtin/slack.js'
import { createSandboxApp } from '../src/sandbox/sandbox-app.js'
import { createSandboxTokens } from '../src/sandbox/sandbox-tokens.js'
import { freePort, temporaryDirectory } from './helpers/cli.js'

const secret = randomBytes(32)
const tokenFor = (user: string) =>
  createSandboxTokens(secret).issue({
    kind: 'access',
    grant: `g_${user}`,
    user,
    scope: 'items:read',
    exp: Math.floor(Date.now() / 1000) + 3600,
  }).token

describe('the Slack-shaped sandbox API', () => {
  const app = createSandboxApp(secret, { rateLimit: { requestsPerSecond: 1, burst: 3 } })
  const call = (method: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers)
    if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? tokenFor('ada')}`)
    return app.request(`/slack/api/${method}`, { ...init, headers })
  }

  it('answers failures as HTTP 200 with ok: false, as Slack does', async () => {
    const missing = await call('auth.test', { token: null })
    expect(missing.status).toBe(200)
    expect(await missing.json()).toEqual({ ok: false, error: 'not_authed' })
    expect(await (await call('auth.test', { token: 'sba_forged.x' })).json()).toEqual({
      ok: false,
      error: 'invalid_auth',
    })
    expect(await (await call('users.info?user=U404')).json()).toEqual({ ok: false, error: 'user_not_found' })
    expect(await (await call('no.such.method')).json()).toEqual({ ok: false, error: 'unknown_method' })
  })

  it('posts messages from a JSON body, a form or the query', async () => {
    const token = tokenFor('poster')
    const posted = await call('chat.postMessage', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: '#general', text: 'hello' }),
    })
    expect(await posted.json()).toMatchObject({ ok: true, channel: 'C00000001', message: { text: 'hello' } })
    const form = await call('chat.postMessage', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'channel=C404&text=hi',
    })
    expect(await form.json()).toEqual({ ok: false, error: 'channel_not_found' })
  })

  it('pages conversations by an opaque cursor, next_cursor empty on the last page', async () => {
    const token = tokenFor('pager')
    const first = (await (await call('conversations.list?limit=3', { token })).json()) as {
      channels: { name: string }[]
      response_metadata: { next_cursor: string }
    }
    expect(first.channels.map((channel) => channel.name)).toEqual(['general', 'random', 'engineering'])
    expect(first.response_metadata.next_cursor).not.toBe('')
    const last = (await (
      await call(`conversations.list?limit=10&cursor=${encodeURIComponent(first.response_metadata.next_cursor)}`, {
        token,
      })
    ).json()) as { channels: unknown[]; response_metadata: { next_cursor: string } }
    expect(last.channels).toHaveLength(4)
    expect(last.response_metadata.next_cursor).toBe('')
    expect(await (await call('conversations.list?cursor=bm9wZQ', { token })).json()).toEqual({
      ok: false,
      error: 'invalid_cursor',
    })
  })

  it('answers 429 with Retry-After and ratelimited beyond a method limit, per token and method', async () => {
    const token = tokenFor('limited')
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await call('users.list', { token })).status)
    expect(statuses).toContain(429)
    const refused = await call('users.list', { token })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await refused.json()).toEqual({ ok: false, error: 'ratelimited' })
    // Another method has its own budget.
    expect((await call('auth.test', { token })).status).toBe(200)
  })
})

describe('the HubSpot-shaped sandbox API', () => {
  const app = createSandboxApp(secret, { rateLimit: { requestsPerSecond: 0.3, burst: 1 } })
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers)
    if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? tokenFor('grace')}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    return app.request(`/hubspot${path}`, { ...init, headers })
  }

  it('sends HubSpot errors and its rate-limit headers, 429 past the window', async () => {
    const unauthenticated = await call('/crm/v3/objects/contacts', { token: null })
    expect(unauthenticated.status).toBe(401)
    expect(await unauthenticated.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' })
    const token = tokenFor('window')
    const first = await call('/crm/v3/objects/contacts/999', { token })
    expect(first.status).toBe(404)
    expect(await first.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' })
    // 0.3/s over a 10 s window: 3 calls.
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('3')
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000')
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('2')
    await call('/crm/v3/objects/contacts', { token })
    const last = await call('/crm/v3/objects/contacts', { token })
    expect(last.headers.get('x-hubspot-ratelimit-remaining')).toBe('0')
    const refused = await call('/crm/v3/objects/contacts', { token })
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT' })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })
})

describe('the typed clients against the sandbox on a socket', () => {
  const workdir = temporaryDirectory()
  let junction: Junction
  let socket: ReturnType<typeof serve>

  beforeAll(async () => {
    const port = await freePort()
    const app = createSandboxApp(secret, { rateLimit: { requestsPerSecond: 50, burst: 50 } })
    socket = serve({ fetch: app.fetch, hostname: '127.0.0.1', port })
    const base = `http://127.0.0.1:${port}`
    const publicPort = await freePort()
    junction = await createJunction({
      config: {
        publicUrl: `http://127.0.0.1:${publicPort}/junction`,
        integrations: {
          slack: { provider: 'slack', clientId: 'c', clientSecret: 's', api: { baseUrl: `${base}/slack/api` } },
          hubspot: { provider: 'hubspot', clientId: 'c', clientSecret: 's', api: { baseUrl: `${base}/hubspot` } },
        },
      },
      dataDir: join(workdir.path, 'data'),
      mode: 'development',
      basePath: '/junction',
    })
    for (const integration of ['slack', 'hubspot'])
      await junction.connections.import({ integration, userId: 'u_1', credentials: { accessToken: tokenFor('u_1') } })
  })
  afterAll(async () => {
    await junction.close()
    await new Promise((resolve) => socket.close(resolve))
    workdir.remove()
  })

  it('posts to Slack and reads every channel and user page by page', async () => {
    const slack = junction.slack('u_1')
    expect(await slack.chat.postMessage({ channel: 'C00000002', text: 'hi' })).toMatchObject({ channel: 'C00000002' })
    const channels: string[] = []
    for await (const channel of junction.paginate(slack.conversations.list, { limit: 2 })) channels.push(channel.name)
    expect(channels).toHaveLength(7)
    const users: string[] = []
    for await (const user of junction.paginate(slack.users.list, { limit: 2 })) users.push(user.name)
    expect(users).toEqual(['u_1', 'ada', 'grace', 'alan', 'katherine', 'edsger'])
    expect((await slack.users.info({ user: 'U00000002' })).user.name).toBe('ada')
    await expect(slack.chat.postMessage({ channel: 'C404', text: 'x' })).rejects.toMatchObject({
      code: 'provider_error',
      providerError: 'channel_not_found',
    })
  })

  it('creates, updates and searches HubSpot contacts page by page', async () => {
    const hubspot = junction.hubspot('u_1')
    const created = await hubspot.contacts.create({ properties: { email: 'edsger@example.com', firstname: 'Edsger' } })
    const updated = await hubspot.contacts.update(created.id, { properties: { lastname: 'Dijkstra' } })
    expect(updated.properties).toMatchObject({ firstname: 'Edsger', lastname: 'Dijkstra' })
    expect((await hubspot.contacts.get('edsger@example.com', { idProperty: 'email' })).id).toBe(created.id)
    const found: string[] = []
    for await (const contact of junction.paginate(hubspot.contacts.search, { query: 'example.com', limit: 1 }))
      found.push(contact.properties.email ?? '')
    expect(found).toEqual(['ada@example.com', 'grace@example.com', 'alan@example.com', 'edsger@example.com'])
    const listed: string[] = []
    for await (const contact of junction.paginate(hubspot.contacts.list, { limit: 1 })) listed.push(contact.id)
    expect(listed).toEqual(['101', '102', '103', '104'])
  })

  it('has sandbox-slack and sandbox-hubspot integrations in development, beside sandbox', () => {
    expect(() => junction.fetchFor('sandbox-slack')).not.toThrow()
    expect(() => junction.fetchFor('sandbox-hubspot')).not.toThrow()
    expect(() => junction.fetchFor('sandbox-nothing')).toThrow(/no integration is named sandbox-nothing/)
  })
})

describe('Slack rate tiers in the provider data', () => {
  it('gives a method its own tier, and other methods the provider limit', () => {
    const { definition } = slackProvider
    expect(definition.methodRateLimits?.['/users.list']).toMatchObject({ requestsPerSecond: 20 / 60 })
    expect(definition.methodRateLimits?.['/users.info']).toMatchObject({ requestsPerSecond: 100 / 60 })
    expect(definition.methodRateLimits?.['/conversations.history']).toBeUndefined()
    expect(definition.rateLimit).toMatchObject({ requestsPerSecond: 1 })
  })
})
