/**
 * `junction.stripe()`: the official Stripe SDK on Junction (docs/library.md, "Stripe"), and the idempotency keys that
 * `fetchFor` and the typed clients add to POST and PATCH. A recorder on 127.0.0.1 plays Stripe: it keeps every
 * request it receives and answers Stripe-shaped JSON, with a 503 injected once where a test asks for one.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import Stripe from 'stripe'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createJunction, type Junction } from '../src/index.js'
import { temporaryDirectory } from './helpers/cli.js'

interface Recorded {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

interface Recorder {
  url: string
  requests: Recorded[]
  /** `METHOD /path` of requests answered 503 the first time they arrive. */
  failOnce: Set<string>
  close(): Promise<void>
}

const placeholderPattern = /placeholder|unused|sk_set_by/i
const checkoutSession = {
  id: 'cs_test_1',
  object: 'checkout.session',
  mode: 'subscription',
  url: 'https://checkout.stripe.com/c/pay/cs_test_1',
}
const subscription = (status: string) => ({ id: 'sub_1', object: 'subscription', status, customer: 'cus_1' })

/** Stripe's answers for the calls the tests make; a Stripe-shaped 404 for anything else. */
function stripeAnswer(method: string, path: string): { status: number; body: object } {
  const routes: Record<string, object> = {
    'POST /v1/checkout/sessions': checkoutSession,
    'POST /v1/billing_portal/sessions': {
      id: 'bps_1',
      object: 'billing_portal.session',
      url: 'https://billing.stripe.com/p/session/bps_1',
    },
    'GET /v1/subscriptions/sub_1': subscription('active'),
    'DELETE /v1/subscriptions/sub_1': subscription('canceled'),
    'POST /v1/customers': { id: 'cus_1', object: 'customer', email: 'ada@example.com' },
    'GET /v1/customers': { object: 'list', data: [], has_more: false, url: '/v1/customers' },
    'GET /mock/v1/customers/cus_1': { id: 'cus_1', object: 'customer' },
  }
  // A conflict the SDK's own retries would repeat (they retry 409), and the proxy's do not.
  if (path === '/v1/customers/cus_locked') {
    return { status: 409, body: { error: { type: 'invalid_request_error', code: 'lock_timeout', message: 'locked' } } }
  }
  const body = routes[`${method} ${path}`]
  return body === undefined
    ? { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${path})` } } }
    : { status: 200, body }
}

async function startRecorder(): Promise<Recorder> {
  const requests: Recorded[] = []
  const failOnce = new Set<string>()
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const method = request.method ?? ''
      const path = new URL(request.url ?? '/', 'http://recorder').pathname
      requests.push({ method, path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
      const key = `${method} ${path}`
      const { status, body } = failOnce.delete(key)
        ? { status: 503, body: { error: { type: 'api_error', message: 'injected' } } }
        : stripeAnswer(method, path)
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` })
      response.end(JSON.stringify(body))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failOnce,
    close: () => new Promise((done) => server.close(() => done())),
  }
}

/** The headers that say who is calling and how, as the recorder received them. */
function sdkHeaders(request: Recorded) {
  const { headers } = request
  return {
    authorization: headers.authorization,
    'content-type': headers['content-type'],
    'stripe-version': headers['stripe-version'],
    'idempotency-key': headers['idempotency-key'],
  }
}

describe('junction.stripe(): the official Stripe SDK through the proxy rules', () => {
  const workdir = temporaryDirectory()
  let recorder: Recorder
  let junction: Junction

  beforeAll(async () => {
    recorder = await startRecorder()
    junction = await createJunction({
      config: {
        integrations: {
          stripe: { provider: 'stripe', apiKey: 'sk_test_configured', api: { baseUrl: recorder.url } },
          mock: { provider: 'stripe', apiKey: 'sk_test_mock', api: { baseUrl: `${recorder.url}/mock` } },
          connect: {
            provider: 'stripe-connect',
            clientId: 'ca_platform',
            clientSecret: 'sk_test_platform',
            api: { baseUrl: recorder.url },
          },
        },
      },
      dataDir: join(workdir.path, 'data'),
      mode: 'development',
    })
    await junction.connections.import({
      integration: 'connect',
      userId: 'u_1',
      credentials: { accessToken: 'sk_test_connected_u1' },
    })
  })
  afterAll(async () => {
    await junction.close()
    await recorder.close()
    workdir.remove()
  })
  beforeEach(() => {
    recorder.requests.length = 0
    recorder.failOnce.clear()
  })

  it('makes a checkout session and cancels a subscription, each retried after a 503 with the same request', async () => {
    recorder.failOnce.add('POST /v1/checkout/sessions')
    recorder.failOnce.add('DELETE /v1/subscriptions/sub_1')
    const stripe = junction.stripe()

    const session: Stripe.Checkout.Session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: 'cus_1',
      line_items: [{ price: 'price_pro', quantity: 1 }],
      success_url: 'https://app.example/done',
    })
    expect(session).toMatchObject({ id: 'cs_test_1', url: checkoutSession.url })
    const canceled: Stripe.Subscription = await stripe.subscriptions.cancel('sub_1')
    expect(canceled.status).toBe('canceled')

    expect(recorder.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /v1/checkout/sessions',
      'POST /v1/checkout/sessions',
      'DELETE /v1/subscriptions/sub_1',
      'DELETE /v1/subscriptions/sub_1',
    ])
    const [created, createdAgain, cancel, cancelAgain] = recorder.requests as [Recorded, Recorded, Recorded, Recorded]
    expect(Object.fromEntries(new URLSearchParams(created.body))).toEqual({
      mode: 'subscription',
      customer: 'cus_1',
      'line_items[0][price]': 'price_pro',
      'line_items[0][quantity]': '1',
      success_url: 'https://app.example/done',
    })
    const key = created.headers['idempotency-key']
    expect(key).toMatch(/^stripe-node-retry-[0-9a-f-]{36}$/)
    expect(sdkHeaders(created)).toEqual({
      authorization: 'Bearer sk_test_configured',
      'content-type': 'application/x-www-form-urlencoded',
      'stripe-version': Stripe.API_VERSION,
      'idempotency-key': key,
    })
    // The retry is the same request: same body, same key, so Stripe answers it once.
    expect(createdAgain.body).toBe(created.body)
    expect(sdkHeaders(createdAgain)).toEqual(sdkHeaders(created))
    expect(cancel.body).toBe('')
    expect(sdkHeaders(cancel)).toEqual({
      authorization: 'Bearer sk_test_configured',
      'content-type': 'application/x-www-form-urlencoded',
      'stripe-version': Stripe.API_VERSION,
      'idempotency-key': undefined,
    })
    expect(sdkHeaders(cancelAgain)).toEqual(sdkHeaders(cancel))
    for (const request of recorder.requests) {
      expect(JSON.stringify(request.headers)).not.toMatch(placeholderPattern)
      expect(request.headers['junction-user-id']).toBeUndefined()
    }
  })

  it('offers the rest of the API with Stripe’s types: billing portal, subscriptions, customers', async () => {
    const stripe = junction.stripe()
    const portal: Stripe.BillingPortal.Session = await stripe.billingPortal.sessions.create({
      customer: 'cus_1',
      return_url: 'https://app.example/account',
    })
    expect(portal.url).toBe('https://billing.stripe.com/p/session/bps_1')
    expect((await stripe.subscriptions.retrieve('sub_1')).status).toBe('active')
    const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { plan: 'pro' } })
    expect(customer.id).toBe('cus_1')
    expect((await stripe.customers.list({ limit: 3 })).has_more).toBe(false)

    expect(recorder.requests.map(({ method, path, body }) => `${method} ${path} ${body}`)).toEqual([
      'POST /v1/billing_portal/sessions customer=cus_1&return_url=https%3A%2F%2Fapp.example%2Faccount',
      'GET /v1/subscriptions/sub_1 ',
      'POST /v1/customers email=ada%40example.com&metadata[plan]=pro',
      'GET /v1/customers ',
    ])
    expect(recorder.requests.every((request) => request.headers.authorization === 'Bearer sk_test_configured')).toBe(
      true,
    )
  })

  it('leaves retries to Junction: a 409, which the SDK itself would repeat, is sent once', async () => {
    const conflict = await junction
      .stripe()
      .customers.update('cus_locked', { name: 'Ada' })
      .catch((error: unknown) => error)
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeError)
    expect(conflict).toMatchObject({ statusCode: 409, code: 'lock_timeout' })
    expect(recorder.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(['POST /v1/customers/cus_locked'])
  })

  it('keeps a path in the base URL, and calls a connected account with its own token for stripe-connect', async () => {
    expect((await junction.stripe({ integration: 'mock' }).customers.retrieve('cus_1')).id).toBe('cus_1')
    await junction.stripe({ integration: 'connect', userId: 'u_1' }).customers.list({ limit: 1 })
    expect(recorder.requests.map(({ method, path, headers }) => [method, path, headers.authorization])).toEqual([
      ['GET', '/mock/v1/customers/cus_1', 'Bearer sk_test_mock'],
      ['GET', '/v1/customers', 'Bearer sk_test_connected_u1'],
    ])
  })

  it('turns Junction’s refusals into the SDK’s own errors, the same classes as the application’s import', async () => {
    expect(() => junction.stripe({ integration: 'nowhere' })).toThrow(/no integration is named nowhere/)
    const refused = await junction
      .stripe({ integration: 'connect', userId: 'u_nobody' })
      .customers.list()
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(Stripe.errors.StripeError)
    expect(refused).toMatchObject({ statusCode: 404, code: 'connection_not_found' })
    expect((refused as Stripe.errors.StripeError).headers?.['junction-error']).toBe('connection_not_found')
    expect(recorder.requests).toEqual([])
  })
})

describe('idempotency keys added by fetchFor and the typed clients', () => {
  const workdir = temporaryDirectory()
  let recorder: Recorder
  let junction: Junction

  beforeAll(async () => {
    recorder = await startRecorder()
    junction = await createJunction({
      config: {
        providers: {
          // A provider with an idempotency header of its own, and one without.
          ledger: {
            auth: { type: 'oauth2', authorizeUrl: `${recorder.url}/authorize`, tokenUrl: `${recorder.url}/token` },
            api: { baseUrl: `${recorder.url}/ledger` },
            idempotency: { header: 'X-Ledger-Key' },
          },
          plain: { auth: { type: 'api_key', header: 'x-api-key' }, api: { baseUrl: `${recorder.url}/plain` } },
        },
        integrations: {
          ledger: { provider: 'ledger', clientId: 'ledger-client', clientSecret: 'ledger-secret' },
          plain: { provider: 'plain', apiKey: 'plain-key' },
        },
      },
      dataDir: join(workdir.path, 'data'),
      mode: 'development',
    })
    await junction.connections.import({
      integration: 'ledger',
      userId: 'u_1',
      credentials: { accessToken: 'ledger-token' },
    })
  })
  afterAll(async () => {
    await junction.close()
    await recorder.close()
    workdir.remove()
  })
  beforeEach(() => {
    recorder.requests.length = 0
    recorder.failOnce.clear()
  })

  const keyOf = (request: Recorded | undefined) => request?.headers['x-ledger-key']

  it('fetchFor gives each POST and PATCH without a key a fresh one, keeps a chosen key, and leaves GET alone', async () => {
    const ledger = junction.fetchFor('ledger', 'u_1')
    await ledger(`${recorder.url}/ledger/a`, { method: 'POST', body: '{}' })
    await ledger(`${recorder.url}/ledger/b`, { method: 'POST', body: '{}' })
    await ledger(new Request(`${recorder.url}/ledger/c`, { method: 'PATCH', body: '{}' }))
    await ledger(`${recorder.url}/ledger/d`, { method: 'POST', headers: { 'x-ledger-key': 'chosen' } })
    await ledger(`${recorder.url}/ledger/e`)
    await ledger(`${recorder.url}/ledger/f`, { method: 'PUT', body: '{}' })
    const keys = recorder.requests.map(keyOf)
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    for (const key of keys.slice(0, 3)) expect(key).toMatch(uuid)
    expect(new Set(keys.slice(0, 3)).size).toBe(3)
    expect(keys.slice(3)).toEqual(['chosen', undefined, undefined])
  })

  it('fetchFor adds no key for a provider that names no idempotency header', async () => {
    await junction.fetchFor('plain')(`${recorder.url}/plain/a`, { method: 'POST', body: '{}' })
    const [request] = recorder.requests
    expect(request?.headers['x-ledger-key']).toBeUndefined()
    expect(request?.headers['idempotency-key']).toBeUndefined()
  })

  it('retries a keyed POST after a 503, through fetchFor and through a typed client, with the same key', async () => {
    recorder.failOnce.add('POST /ledger/raw')
    recorder.failOnce.add('POST /ledger/typed')
    const response = await junction.fetchFor('ledger', 'u_1')(`${recorder.url}/ledger/raw`, {
      method: 'POST',
      body: '{"amount":1}',
    })
    expect(response.status).toBe(404) // the recorder's answer after the 503: the call went through again
    const typed = await junction
      .hubspot('u_1', { integration: 'ledger' })
      .request({ method: 'POST', path: '/typed', json: { amount: 2 } })
      .catch((error: unknown) => error)
    expect(typed).toMatchObject({ status: 404 })

    const arrivals = recorder.requests.map((request) => [request.method, request.path, request.body])
    expect(arrivals).toEqual([
      ['POST', '/ledger/raw', '{"amount":1}'],
      ['POST', '/ledger/raw', '{"amount":1}'],
      ['POST', '/ledger/typed', '{"amount":2}'],
      ['POST', '/ledger/typed', '{"amount":2}'],
    ])
    const [raw, rawAgain, first, again] = recorder.requests
    expect(keyOf(raw)).toBeDefined()
    expect(keyOf(rawAgain)).toBe(keyOf(raw))
    expect(keyOf(first)).toBeDefined()
    expect(keyOf(again)).toBe(keyOf(first))
    expect(keyOf(first)).not.toBe(keyOf(raw))
  })

  it('typed clients key a PATCH too, and keep a key the caller set', async () => {
    const client = junction.hubspot('u_1', { integration: 'ledger' })
    await client.request({ method: 'PATCH', path: '/p', json: {} }).catch(() => undefined)
    await client.request({ method: 'POST', path: '/q', json: {}, headers: { 'X-Ledger-Key': 'mine' } }).catch(() => {})
    await client.request({ method: 'DELETE', path: '/r' }).catch(() => undefined)
    expect(recorder.requests.map(keyOf)).toEqual([expect.any(String), 'mine', undefined])
  })
})

describe('without the stripe package installed', () => {
  const workdir = temporaryDirectory()
  afterAll(() => workdir.remove())

  // Generous: the child compiles the sources and opens an embedded database, slow on a busy machine.
  it('createJunction works, and junction.stripe() throws an error naming the package', {
    timeout: 120_000,
  }, async () => {
    // A resolve hook that hides `stripe`, as in an application that never installed it.
    const hooks = join(workdir.path, 'hooks.mjs')
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
        if (specifier === 'stripe') {
          throw Object.assign(new Error("Cannot find package 'stripe'"), { code: 'ERR_MODULE_NOT_FOUND' })
        }
        return next(specifier, context)
      }`,
    )
    const register = join(workdir.path, 'register.mjs')
    writeFileSync(
      register,
      `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})`,
    )
    const script = join(workdir.path, 'main.mts')
    writeFileSync(
      script,
      `import { createJunction } from ${JSON.stringify(pathToFileURL(resolve('src/index.ts')).href)}
      const junction = await createJunction({
        config: { integrations: { stripe: { provider: 'stripe', apiKey: 'sk_test_x' } } },
        dataDir: ${JSON.stringify(join(workdir.path, 'data'))},
        mode: 'development',
      })
      try {
        junction.stripe()
        console.log(JSON.stringify({ thrown: false }))
      } catch (error) {
        console.log(JSON.stringify({ thrown: true, code: error.code, message: error.message }))
      } finally {
        await junction.close()
      }`,
    )
    const output = await new Promise<string>((done, fail) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--import', pathToFileURL(register).href, script],
        { cwd: resolve('.'), timeout: 110_000 },
        (error, stdout, stderr) => (error === null ? done(stdout) : fail(new Error(`${error.message}\n${stderr}`))),
      ),
    )
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({
      thrown: true,
      code: 'invalid_request',
      message: 'junction.stripe() needs the `stripe` package, an optional peer dependency: npm install stripe',
    })
  })
})
