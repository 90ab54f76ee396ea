/**
 * The answers' schemas (src/server/api-responses.ts) against the real answers: every `/v1` operation of
 * `/openapi.json` is called on a hub with a connected sandbox account, and each answer is validated with the zod
 * schema its operation names for that status (strict objects: a field added without its schema fails), each error
 * with the shared `Error` schema and a code its operation lists. Every documented status of every operation (the
 * proxy's, which are the provider's, aside) must be seen once, so an operation added without a call here fails too.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import type { ApiKeyInfo } from '../src/api-keys/api-keys.js'
import type { Connection } from '../src/connections/connection-view.js'
import type { AccessToken } from '../src/connections/connections.js'
import type { CallLog } from '../src/logs/call-log-view.js'
import type { IntegrationHealthReport } from '../src/logs/integration-health.js'
import {
  type accessTokenSchema,
  apiErrorSchema,
  type apiKeyInfoSchema,
  type callLogSchema,
  type connectionSchema,
  type eventDeliverySchema,
  healthSchema,
  type integrationHealthSchema,
} from '../src/server/api-responses.js'
import { openApiDocument, operations } from '../src/server/openapi.js'
import { listen, type RunningServer } from '../src/server/serve.js'
import type { EventDelivery } from '../src/storage/event-view.js'
import { backends } from './helpers/backends.js'
import { Browserless } from './helpers/browserless.js'
import { freePort } from './helpers/cli.js'
import { type ConnectionHarness, openConnectionHarness } from './helpers/connection-harness.js'

// What the services return is what the schemas describe, field for field (checked by the type-check).
expectTypeOf<z.infer<typeof connectionSchema>>().toEqualTypeOf<Connection>()
expectTypeOf<z.infer<typeof accessTokenSchema>>().toEqualTypeOf<AccessToken>()
expectTypeOf<z.infer<typeof apiKeyInfoSchema>>().toEqualTypeOf<ApiKeyInfo>()
expectTypeOf<z.infer<typeof callLogSchema>>().toEqualTypeOf<CallLog>()
expectTypeOf<z.infer<typeof integrationHealthSchema>>().toEqualTypeOf<IntegrationHealthReport>()
expectTypeOf<z.infer<typeof eventDeliverySchema>>().toEqualTypeOf<EventDelivery>()

type DocumentedErrors = Record<
  string,
  Record<string, { responses: Record<string, { content?: Record<string, { schema: ErrorSchema }> }> }>
>
type ErrorSchema = { allOf?: [unknown, { properties: { error: { properties: { code: { enum: string[] } } } } }] }

/** Credentials an answer may carry (a token, a new key): never printed in a failure's message. */
const secretFields = new Set(['accessToken', 'refreshToken', 'key'])

/** An answer as a failure shows it: its first characters, credentials replaced. */
function shown(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), (name, value) => (secretFields.has(name) ? '[secret]' : value)).slice(
      0,
      500,
    )
  } catch {
    return text.slice(0, 500)
  }
}

/** The schema's complaint, readable, or undefined when the value matches. */
function mismatch(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value)
  return result.success ? undefined : z.prettifyError(result.error)
}

describe.each(backends())('every /v1 answer matches its schema, on $name', (backend) => {
  let h: ConnectionHarness
  let server: RunningServer
  let publicUrl: string
  const documented = openApiDocument().paths as DocumentedErrors
  /** `operationId status` of every answer seen. */
  const seen = new Set<string>()

  beforeAll(async () => {
    const port = await freePort()
    publicUrl = `http://127.0.0.1:${port}`
    // The sandbox's token and webhook calls reach the hub on its socket.
    h = await openConnectionHarness(backend, { publicUrl, sandbox: { autoApprove: true } })
    server = await listen(h.app, { host: '127.0.0.1', port })
  })
  afterAll(async () => {
    await server?.close(100)
    await h?.close()
  })

  /**
   * Calls an operation as `/openapi.json` describes it (its method, its path with `params`) and checks the answer:
   * a documented status, its schema (or no body where none is documented), and for Junction's own errors the
   * `Error` schema with a code the operation lists for that status. Answers the parsed JSON.
   */
  async function call(
    operationId: string,
    params: Record<string, string> = {},
    init: { query?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; json: unknown }> {
    const operation = operations.find((candidate) => candidate.operationId === operationId)
    if (operation === undefined) throw new Error(`no operation ${operationId}`)
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))
    const response = await h.call(`${path}${init.query ?? ''}`, {
      method: operation.method.toUpperCase(),
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.headers === undefined ? {} : { headers: init.headers }),
    })
    const status = String(response.status)
    const text = await response.text()
    const where = `${operationId} answered ${status}: ${shown(text)}`
    seen.add(`${operationId} ${status}`)
    if (response.headers.get('junction-error') !== null) {
      const json = JSON.parse(text) as { error: { code: string } }
      expect(mismatch(apiErrorSchema, json), where).toBeUndefined()
      const errorSchema = documented[operation.path]![operation.method]!.responses[status]?.content?.[
        'application/json'
      ]?.schema as ErrorSchema | undefined
      expect(errorSchema?.allOf?.[1].properties.error.properties.code.enum, where).toContain(json.error.code)
      return { status: response.status, json }
    }
    const answer = operation.responses[status]
    if (answer === undefined && operation.responses.default !== undefined)
      return { status: response.status, json: text }
    expect(answer, `${where} (not a documented status)`).toBeDefined()
    if (answer!.schema === undefined) {
      expect(text, where).toBe('')
      return { status: response.status, json: undefined }
    }
    expect(response.headers.get('content-type'), where).toMatch(/^application\/json/)
    const json: unknown = JSON.parse(text)
    expect(mismatch(answer!.schema, json), where).toBeUndefined()
    return { status: response.status, json }
  }

  async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 20_000
    for (;;) {
      const value = await check()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  it('GET /health', async () => {
    const response = await h.app.request('/health')
    expect(response.status).toBe(200)
    expect(mismatch(healthSchema, await response.json())).toBeUndefined()
  })

  it('API keys: create, list, revoke', async () => {
    const created = await call('createApiKey', {}, { body: { name: 'schema check', scope: 'read' } })
    expect(created.status).toBe(201)
    const listed = (await call('listApiKeys', {}, { query: '?limit=1' })).json as { data: unknown[] }
    expect(listed.data).toHaveLength(1)
    await call('revokeApiKey', { id: (created.json as { id: string }).id })
  })

  it('connect sessions and connections: the sandbox connected, an import made and replaced, tokens, a refresh', async () => {
    const session = await call('createConnectSession', {}, { body: { integration: 'sandbox', userId: 'u_1' } })
    const browser = new Browserless(publicUrl, h.app)
    const done = await browser.follow((session.json as { url: string }).url)
    expect(done.status).toBe(200)

    const credentials = { accessToken: 'imported-access-1', refreshToken: 'imported-refresh-1', scopes: ['read'] }
    h.leaks.secret('imported-access-1', 'imported-refresh-1', 'imported-access-2')
    const imported = await call('importConnection', {}, { body: { integration: 'acme', userId: 'u_2', credentials } })
    expect(imported.status).toBe(201)
    const replaced = await call(
      'importConnection',
      {},
      { body: { integration: 'acme', userId: 'u_2', credentials: { accessToken: 'imported-access-2' } } },
    )
    expect(replaced.status).toBe(200)

    const connections = (await call('listConnections', {}, { query: '?integration=sandbox' })).json as {
      data: unknown[]
    }
    expect(connections.data).toHaveLength(1)
    await call('getConnection', { integration: 'sandbox', userId: 'u_1' })
    const token = await call('getConnectionToken', { integration: 'sandbox', userId: 'u_1' })
    expect(token.status).toBe(200)
    await call('getConnectionToken', { integration: 'acme', userId: 'u_2' })
    const refreshed = await call('refreshConnection', { integration: 'sandbox', userId: 'u_1' })
    expect(refreshed.status).toBe(200)
    expect((await call('getConnection', { integration: 'acme', userId: 'nobody' })).status).toBe(404)
  })

  it("the proxy's own errors; the call log, usage and integration health after a proxied call", async () => {
    expect((await call('proxyGet', { integration: 'sandbox', path: 'me' })).status).toBe(400)
    const item = await call(
      'proxyPost',
      { integration: 'sandbox', path: 'items' },
      { headers: { 'junction-user-id': 'u_1' }, body: { name: 'schema check' } },
    )
    expect(item.status).toBe(201)

    await eventually('the proxied call in the log', async () => {
      const page = (await call('listLogs', {}, { query: '?integration=sandbox' })).json as {
        data: Array<{ path: string }>
      }
      return page.data.find((row) => row.path.endsWith('/items'))
    })
    for (const query of ['?groupBy=integration&interval=hour', '?groupBy=userId']) {
      const usage = (await call('getUsage', {}, { query })).json as { data: unknown[] }
      expect(usage.data.length, query).toBeGreaterThan(0)
    }
    const health = (await call('getIntegrationHealth')).json as { data: Array<{ integration: string }> }
    expect(health.data.map((row) => row.integration)).toContain('sandbox')
  })

  it("events: the feed (the sandbox's webhook and the connections'), one event, redelivery", async () => {
    const webhook = await eventually('the sandbox webhook in the feed', async () => {
      const page = (await call('listEvents', {}, { query: '?type=webhook.received' })).json as {
        data: Array<{ id: string }>
      }
      return page.data[0]
    })
    const first = (await call('listEvents', {}, { query: '?limit=2' })).json as {
      data: Array<{ id: string; type: string }>
      nextCursor: string
    }
    expect(first.data[0]?.type).toBe('connection.created')
    const rest = (await call('listEvents', {}, { query: `?limit=500&cursor=${first.nextCursor}` })).json as {
      data: unknown[]
    }
    expect(rest.data.length).toBeGreaterThan(0)
    await call('getEvent', { id: webhook.id })
    await call('getEvent', { id: first.data[0]!.id })
    expect((await call('redeliverEvent', { id: webhook.id })).status).toBe(202)
    expect((await call('redeliverEvents', {}, { body: { status: 'dead' } })).status).toBe(202)
  })

  it('deleting a connection and erasing a user answer no body', async () => {
    expect((await call('deleteConnection', { integration: 'acme', userId: 'u_2' })).status).toBe(204)
    expect((await call('eraseUser', { userId: 'u_1' })).status).toBe(204)
    // The connection.deleted events, as the feed lists them.
    const deleted = (await call('listEvents', {}, { query: '?type=connection.deleted' })).json as { data: unknown[] }
    expect(deleted.data.length).toBeGreaterThan(0)
  })

  it('has seen every documented answer of every operation but the proxy', () => {
    const documentedAnswers = operations
      .filter((operation) => operation.responses.default === undefined)
      .flatMap((operation) => Object.keys(operation.responses).map((status) => `${operation.operationId} ${status}`))
    expect(documentedAnswers.length).toBeGreaterThan(15)
    expect(documentedAnswers.filter((answer) => !seen.has(answer))).toEqual([])
  })
})
