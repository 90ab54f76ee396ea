/**
 * @module A small typed Stripe client on `junction.fetch`: customers create, retrieve and list. Stripe takes
 * form-encoded bodies with bracketed keys (`metadata[plan]=pro`, `expand[0]=x`), and honours `Idempotency-Key`,
 * which lets Junction retry a POST safely.
 * @see https://docs.stripe.com/api/customers
 */
import { type BoundFetch, type ClientRequest, requestJson } from './client-request.js'

export type StripeParams = { [name: string]: StripeParam }
type StripeParam = string | number | boolean | null | undefined | StripeParams | readonly StripeParam[]

export interface StripeCustomer {
  id: string
  object: 'customer'
  email: string | null
  name: string | null
  description: string | null
  metadata: Record<string, string>
  created: number
  livemode: boolean
}

export interface StripeList<T> {
  object: 'list'
  data: T[]
  has_more: boolean
  url: string
}

export interface StripeClient {
  request<T>(request: ClientRequest): Promise<T>
  customers: {
    create(
      params?: {
        email?: string
        name?: string
        description?: string
        metadata?: Record<string, string>
      } & StripeParams,
      options?: { idempotencyKey?: string },
    ): Promise<StripeCustomer>
    retrieve(id: string): Promise<StripeCustomer>
    list(params?: {
      limit?: number
      starting_after?: string
      ending_before?: string
      email?: string
    }): Promise<StripeList<StripeCustomer>>
  }
}

export function createStripeClient(fetch: BoundFetch): StripeClient {
  const request = <T>(call: ClientRequest) => requestJson<T>(fetch, call)
  return {
    request,
    customers: {
      create: (params = {}, options = {}) =>
        request({
          method: 'POST',
          path: '/v1/customers',
          form: stripeForm(params),
          ...(options.idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': options.idempotencyKey } }),
        }),
      retrieve: (id) => request({ path: `/v1/customers/${encodeURIComponent(id)}` }),
      list: (params = {}) => request({ path: '/v1/customers', query: params }),
    },
  }
}

/** Stripe's form encoding: nested objects and arrays as bracketed keys; `null` as an empty value (which unsets). */
function stripeForm(params: StripeParams): URLSearchParams {
  const form = new URLSearchParams()
  const add = (key: string, value: StripeParam) => {
    if (value === undefined) return
    if (value === null) form.append(key, '')
    else if (Array.isArray(value)) for (const [index, item] of value.entries()) add(`${key}[${index}]`, item)
    else if (typeof value === 'object') for (const [name, item] of Object.entries(value)) add(`${key}[${name}]`, item)
    else form.append(key, String(value))
  }
  for (const [name, value] of Object.entries(params)) add(name, value)
  return form
}
