/**
 * The typed Slack, HubSpot and Google clients through `createJunction()`: each request asserted exactly (method, path,
 * query, headers, body) as the provider documents it, and `junction.paginate()` across three pages of every list,
 * typed or raw (a cursor in the query, in a JSON body, or a `Link` header).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { PaginatedMethod } from '../src/clients/paginate.js'
import { createJunction, type Junction } from '../src/index.js'
import { temporaryDirectory } from './helpers/cli.js'

interface Seen {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string | undefined>
  body: string
}

type Handler = (seen: Seen) => { status?: number; headers?: Record<string, string>; body: unknown }

/** A provider on 127.0.0.1 that records every request and answers from the handler of its path. */
async function startProvider(routes: Record<string, Handler>) {
  const seen: Seen[] = []
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://provider.test')
      const entry: Seen = {
        method: request.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {
          authorization: request.headers.authorization,
          'content-type': request.headers['content-type'],
          accept: request.headers.accept,
        },
        body: Buffer.concat(chunks).toString('utf8'),
      }
      seen.push(entry)
      const handler = routes[`${entry.method} ${entry.path}`]
      const answer = handler?.(entry) ?? { status: 404, body: { error: 'no route' } }
      response
        .writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Three pages of items `<prefix>1`…`<prefix>5` (2, 2, 1) by an offset cursor: what each list endpoint answers. */
function pageOf(prefix: string, cursor: string | undefined): { items: { id: string }[]; next: string | undefined } {
  const start = cursor === undefined || cursor === '' ? 0 : Number(cursor.replace('c', ''))
  const items = [1, 2, 3, 4, 5].slice(start, start + 2).map((n) => ({ id: `${prefix}${n}` }))
  return { items, next: start + 2 < 5 ? `c${start + 2}` : undefined }
}

describe('typed clients through createJunction', () => {
  const workdir = temporaryDirectory()
  let provider: Awaited<ReturnType<typeof startProvider>>
  let junction: Junction

  beforeAll(async () => {
    provider = await startProvider({
      'POST /slack/chat.postMessage': () => ({
        body: { ok: true, channel: 'C1', ts: '1.000001', message: { text: 'hi' } },
      }),
      'GET /slack/conversations.list': ({ query }) => {
        const page = pageOf('C', query.cursor)
        return { body: { ok: true, channels: page.items, response_metadata: { next_cursor: page.next ?? '' } } }
      },
      'GET /slack/users.list': ({ query }) => {
        const page = pageOf('U', query.cursor)
        return { body: { ok: true, members: page.items, response_metadata: { next_cursor: page.next ?? '' } } }
      },
      'GET /slack/users.info': ({ query }) => ({ body: { ok: true, user: { id: query.user, name: 'ada' } } }),
      'POST /hubspot/crm/v3/objects/contacts': () => ({ status: 201, body: { id: '101', properties: {} } }),
      'GET /hubspot/crm/v3/objects/contacts/ada%40example.com': () => ({ body: { id: '101', properties: {} } }),
      'PATCH /hubspot/crm/v3/objects/contacts/101': () => ({ body: { id: '101', properties: { lastname: 'L' } } }),
      'GET /hubspot/crm/v3/objects/contacts': ({ query }) => {
        const page = pageOf('L', query.after)
        return { body: { results: page.items, ...(page.next ? { paging: { next: { after: page.next } } } : {}) } }
      },
      'POST /hubspot/crm/v3/objects/contacts/search': ({ body }) => {
        const page = pageOf('S', (JSON.parse(body) as { after?: string }).after)
        const paging = page.next ? { paging: { next: { after: page.next, link: 'https://x.invalid' } } } : {}
        return { body: { total: 5, results: page.items, ...paging } }
      },
      'GET /google/oauth2/v3/userinfo': () => ({ body: { sub: '1069', email: 'ada@example.com' } }),
      'GET /google/calendar/v3/calendars/ada%40example.com/events': ({ query }) => {
        const page = pageOf('E', query.pageToken)
        return {
          body: { kind: 'calendar#events', items: page.items, ...(page.next ? { nextPageToken: page.next } : {}) },
        }
      },
      'GET /links/items': ({ query }) => {
        const page = Number(query.page ?? 1)
        const next = page < 3 ? `<${provider.url}/links/items?page=${page + 1}>; rel="next", <x>; rel="last"` : ''
        return { headers: next === '' ? {} : { link: next }, body: [{ id: `K${page}` }] }
      },
    })
    junction = await createJunction({
      config: {
        providers: {
          linked: {
            auth: { type: 'api_key', header: 'x-api-key' },
            api: { baseUrl: `${provider.url}/links` },
            pagination: { style: 'link' },
          },
        },
        integrations: {
          slack: { provider: 'slack', clientId: 'c', clientSecret: 's', api: { baseUrl: `${provider.url}/slack` } },
          hubspot: {
            provider: 'hubspot',
            clientId: 'c',
            clientSecret: 's',
            api: { baseUrl: `${provider.url}/hubspot` },
          },
          google: { provider: 'google', clientId: 'c', clientSecret: 's', api: { baseUrl: `${provider.url}/google` } },
          linked: { provider: 'linked' },
        },
      },
      dataDir: join(workdir.path, 'data'),
      mode: 'development',
    })
    for (const [integration, accessToken] of [
      ['slack', 'xoxb-1'],
      ['hubspot', 'hs-1'],
      ['google', 'ya29-1'],
    ] as const) {
      await junction.connections.import({ integration, userId: 'u_1', credentials: { accessToken } })
    }
    await junction.connections.import({ integration: 'linked', userId: 'u_1', credentials: { apiKey: 'k-1' } })
  })
  afterAll(async () => {
    await junction.close()
    await provider.close()
    workdir.remove()
  })
  beforeEach(() => {
    provider.seen.length = 0
  })

  const json = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' }
  const noBody = { 'content-type': undefined, accept: 'application/json' }

  it('sends Slack calls as the Web API documents them', async () => {
    const slack = junction.slack('u_1')
    await slack.chat.postMessage({ channel: 'C1', text: 'hi', thread_ts: '1.0' })
    await slack.conversations.list({ limit: 200, types: 'public_channel,private_channel', exclude_archived: true })
    await slack.users.list({ limit: 100 })
    expect((await slack.users.info({ user: 'U1' })).user).toEqual({ id: 'U1', name: 'ada' })
    expect(provider.seen).toEqual([
      {
        method: 'POST',
        path: '/slack/chat.postMessage',
        query: {},
        headers: { authorization: 'Bearer xoxb-1', ...json },
        body: '{"channel":"C1","text":"hi","thread_ts":"1.0"}',
      },
      {
        method: 'GET',
        path: '/slack/conversations.list',
        query: { limit: '200', types: 'public_channel,private_channel', exclude_archived: 'true' },
        headers: { authorization: 'Bearer xoxb-1', ...noBody },
        body: '',
      },
      {
        method: 'GET',
        path: '/slack/users.list',
        query: { limit: '100' },
        headers: { authorization: 'Bearer xoxb-1', ...noBody },
        body: '',
      },
      {
        method: 'GET',
        path: '/slack/users.info',
        query: { user: 'U1' },
        headers: { authorization: 'Bearer xoxb-1', ...noBody },
        body: '',
      },
    ])
  })

  it('sends HubSpot calls as the CRM v3 API documents them', async () => {
    const hubspot = junction.hubspot('u_1')
    await hubspot.contacts.create({ properties: { email: 'ada@example.com', firstname: 'Ada' } })
    await hubspot.contacts.get('ada@example.com', { idProperty: 'email', properties: ['email', 'firstname'] })
    await hubspot.contacts.update('101', { properties: { lastname: 'L' } })
    await hubspot.contacts.search({ query: 'ada', limit: 2, properties: ['email'] })
    await hubspot.contacts.list({ limit: 2, properties: ['email'] })
    const bearer = { authorization: 'Bearer hs-1' }
    expect(provider.seen).toEqual([
      {
        method: 'POST',
        path: '/hubspot/crm/v3/objects/contacts',
        query: {},
        headers: { ...bearer, ...json },
        body: '{"properties":{"email":"ada@example.com","firstname":"Ada"}}',
      },
      {
        method: 'GET',
        path: '/hubspot/crm/v3/objects/contacts/ada%40example.com',
        query: { properties: 'email,firstname', idProperty: 'email' },
        headers: { ...bearer, ...noBody },
        body: '',
      },
      {
        method: 'PATCH',
        path: '/hubspot/crm/v3/objects/contacts/101',
        query: {},
        headers: { ...bearer, ...json },
        body: '{"properties":{"lastname":"L"}}',
      },
      {
        method: 'POST',
        path: '/hubspot/crm/v3/objects/contacts/search',
        query: {},
        headers: { ...bearer, ...json },
        body: '{"query":"ada","limit":2,"properties":["email"]}',
      },
      {
        method: 'GET',
        path: '/hubspot/crm/v3/objects/contacts',
        query: { limit: '2', properties: 'email' },
        headers: { ...bearer, ...noBody },
        body: '',
      },
    ])
  })

  it('sends Google calls as its APIs document them', async () => {
    const google = junction.google('u_1')
    expect(await google.userInfo()).toEqual({ sub: '1069', email: 'ada@example.com' })
    await google.calendar.events.list({ calendarId: 'ada@example.com', maxResults: 2, singleEvents: true })
    expect(provider.seen).toEqual([
      {
        method: 'GET',
        path: '/google/oauth2/v3/userinfo',
        query: {},
        headers: { authorization: 'Bearer ya29-1', ...noBody },
        body: '',
      },
      {
        method: 'GET',
        path: '/google/calendar/v3/calendars/ada%40example.com/events',
        query: { maxResults: '2', singleEvents: 'true' },
        headers: { authorization: 'Bearer ya29-1', ...noBody },
        body: '',
      },
    ])
  })

  const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
    const all: T[] = []
    for await (const item of items) all.push(item)
    return all
  }
  const ids = (items: { id: string }[]) => items.map((item) => item.id)

  it('pages through every Slack list by response_metadata.next_cursor', async () => {
    const slack = junction.slack('u_1')
    expect(ids(await collect(junction.paginate(slack.conversations.list, { limit: 2 })))).toEqual([
      'C1',
      'C2',
      'C3',
      'C4',
      'C5',
    ])
    expect(provider.seen.map((seen) => seen.query)).toEqual([
      { limit: '2' },
      { limit: '2', cursor: 'c2' },
      { limit: '2', cursor: 'c4' },
    ])
    expect(ids(await collect(junction.paginate(slack.users.list)))).toEqual(['U1', 'U2', 'U3', 'U4', 'U5'])
  })

  it('pages through HubSpot lists and searches by paging.next.after, in the query or the JSON body', async () => {
    const hubspot = junction.hubspot('u_1')
    expect(ids(await collect(junction.paginate(hubspot.contacts.search, { query: 'a', limit: 2 })))).toEqual([
      'S1',
      'S2',
      'S3',
      'S4',
      'S5',
    ])
    expect(provider.seen.map((seen) => seen.body)).toEqual([
      '{"query":"a","limit":2}',
      '{"query":"a","limit":2,"after":"c2"}',
      '{"query":"a","limit":2,"after":"c4"}',
    ])
    expect(ids(await collect(junction.paginate(hubspot.contacts.list, { limit: 2 })))).toEqual([
      'L1',
      'L2',
      'L3',
      'L4',
      'L5',
    ])
  })

  it('pages through Google Calendar events by nextPageToken', async () => {
    const events = junction.paginate(junction.google('u_1').calendar.events.list, { calendarId: 'ada@example.com' })
    expect(ids(await collect(events))).toEqual(['E1', 'E2', 'E3', 'E4', 'E5'])
    expect(provider.seen.map((seen) => seen.query.pageToken)).toEqual([undefined, 'c2', 'c4'])
  })

  it('starts from a given cursor, and reads a page only as the one before is consumed', async () => {
    const slack = junction.slack('u_1')
    const first = await junction.paginate(slack.users.list, { cursor: 'c2' }).next()
    expect(first.value).toEqual({ id: 'U3' })
    expect(provider.seen.map((seen) => seen.query)).toEqual([{ cursor: 'c2' }])
  })

  it('pages raw junction.fetch calls by the provider definition: a query cursor, a JSON body cursor, a Link header', async () => {
    const channels = junction.paginate('slack', 'u_1', '/conversations.list?limit=2', { items: 'channels' })
    expect(ids((await collect(channels)) as { id: string }[])).toEqual(['C1', 'C2', 'C3', 'C4', 'C5'])
    expect(provider.seen.map((seen) => seen.query)).toEqual([
      { limit: '2' },
      { limit: '2', cursor: 'c2' },
      { limit: '2', cursor: 'c4' },
    ])
    provider.seen.length = 0
    const found = junction.paginate('hubspot', 'u_1', '/crm/v3/objects/contacts/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 2 }),
    })
    expect(ids((await collect(found)) as { id: string }[])).toEqual(['S1', 'S2', 'S3', 'S4', 'S5'])
    expect(provider.seen.map((seen) => seen.body)).toEqual([
      '{"limit":2}',
      '{"limit":2,"after":"c2"}',
      '{"limit":2,"after":"c4"}',
    ])
    provider.seen.length = 0
    const linked = await collect(junction.paginate('linked', 'u_1', '/items'))
    expect(linked).toEqual([{ id: 'K1' }, { id: 'K2' }, { id: 'K3' }])
    expect(provider.seen.map((seen) => seen.query)).toEqual([{}, { page: '2' }, { page: '3' }])
  })

  it('refuses what it cannot page, with a clear error', async () => {
    await expect(collect(junction.paginate('slack', 'u_1', '/conversations.list'))).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/say where the items of \/conversations\.list are/),
    })
    const notAList = junction.slack('u_1').users.info as unknown as PaginatedMethod<object, unknown, unknown>
    await expect(collect(junction.paginate(notAList, {}))).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it('stops with an error when a provider names the same next page twice', async () => {
    const stuck = await startProvider({
      'GET /stuck/users.list': () => ({
        body: { ok: true, members: [{ id: 'U1' }], response_metadata: { next_cursor: 'same' } },
      }),
    })
    const other = await createJunction({
      config: {
        integrations: {
          slack: { provider: 'slack', clientId: 'c', clientSecret: 's', api: { baseUrl: `${stuck.url}/stuck` } },
        },
      },
      dataDir: join(workdir.path, 'stuck'),
      mode: 'development',
    })
    try {
      await other.connections.import({ integration: 'slack', userId: 'u_1', credentials: { accessToken: 'x' } })
      const read: unknown[] = []
      const failed = await (async () => {
        for await (const user of other.paginate(other.slack('u_1').users.list)) read.push(user)
      })().catch((error: unknown) => error)
      expect(failed).toMatchObject({ code: 'provider_error' })
      expect(read).toHaveLength(2)
      expect(stuck.seen).toHaveLength(2)
    } finally {
      await other.close()
      await stuck.close()
    }
  })
})
