/**
 * @module A HubSpot-shaped CRM API in the sandbox (`/sandbox/hubspot/crm/v3/objects/contacts…`), so that
 * `junction.hubspot(userId)` can be tried offline through the `sandbox-hubspot` integration. As HubSpot does: contacts
 * with string properties and numeric ids; lists and searches paged by `after` with `paging.next.after`; errors as
 * `{ status: 'error', message, category }`; `X-HubSpot-RateLimit-Max`, `-Remaining` and `-Interval-Milliseconds` on
 * every answer (a 10-second window per token, ten times the sandbox's rate), 429 beyond it.
 * @see https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide
 * @see https://developers.hubspot.com/docs/api/usage-details
 */
import { type Context, Hono } from 'hono'
import { bearerClaims } from './sandbox-api.js'
import type { GrantRegistry } from './sandbox-oauth.js'
import type { SandboxOptions } from './sandbox-options.js'
import type { SandboxClaims, SandboxTokens } from './sandbox-tokens.js'

interface Contact {
  id: string
  properties: Record<string, string>
  createdAt: string
  updatedAt: string
  archived: boolean
}

interface Portal {
  contacts: Contact[]
  nextId: number
}

type Variables = { portal: Portal }

const windowMs = 10_000
const seeded = [
  { email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace' },
  { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' },
  { email: 'alan@example.com', firstname: 'Alan', lastname: 'Turing' },
]

export function sandboxHubSpotRoutes(
  options: SandboxOptions,
  tokens: SandboxTokens,
  grants: GrantRegistry,
): Hono<{ Variables: Variables }> {
  const max = Math.max(1, Math.round((options.config.rateLimit?.requestsPerSecond ?? 10) * (windowMs / 1000)))
  const windows = new Map<string, { startedAt: number; used: number }>()
  const portals = new Map<string, Portal>()

  const portalOf = (claims: SandboxClaims): Portal => {
    let portal = portals.get(claims.user)
    if (portal === undefined) {
      portal = { contacts: [], nextId: 101 }
      for (const properties of seeded) add(portal, properties)
      portals.set(claims.user, portal)
    }
    return portal
  }

  const contactAt = (c: Context<{ Variables: Variables }>): Contact | undefined => {
    const id = c.req.param('id') ?? ''
    const property = c.req.query('idProperty') ?? 'hs_object_id'
    return c.var.portal.contacts.find((contact) =>
      property === 'hs_object_id' ? contact.id === id : contact.properties[property] === id,
    )
  }

  return new Hono<{ Variables: Variables }>()
    .use('*', async (c, next) => {
      const claims = bearerClaims(c.req.header('authorization'), tokens, grants)
      if (claims === undefined) {
        return c.json(
          error('Authentication credentials not found.', 'INVALID_AUTHENTICATION'),
          401,
          c.req.header('authorization') === undefined ? {} : { 'www-authenticate': 'Bearer error="invalid_token"' },
        )
      }
      const now = Date.now()
      let window = windows.get(claims.jti)
      if (window === undefined || now - window.startedAt >= windowMs) {
        window = { startedAt: now, used: 0 }
        windows.set(claims.jti, window)
      }
      const headers = {
        'x-hubspot-ratelimit-interval-milliseconds': String(windowMs),
        'x-hubspot-ratelimit-max': String(max),
        'x-hubspot-ratelimit-remaining': String(Math.max(0, max - window.used - 1)),
      }
      if (window.used >= max) {
        const seconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000))
        return c.json(
          {
            ...error('You have reached your ten_secondly_rolling limit.', 'RATE_LIMITS'),
            errorType: 'RATE_LIMIT',
            policyName: 'TEN_SECONDLY_ROLLING',
          },
          429,
          { ...headers, 'retry-after': String(seconds) },
        )
      }
      window.used += 1
      for (const [name, value] of Object.entries(headers)) c.header(name, value)
      c.set('portal', portalOf(claims))
      await next()
      return undefined
    })
    .post('/crm/v3/objects/contacts/search', async (c) => {
      const body = await jsonObject(c)
      if (body === undefined) return c.json(error('Invalid input JSON on line 1', 'VALIDATION_ERROR'), 400)
      const limit = pageSize(body.limit, 10, 200)
      if (limit === undefined) return c.json(error('limit must be from 1 to 200', 'VALIDATION_ERROR'), 400)
      const query = typeof body.query === 'string' ? body.query.toLowerCase() : ''
      const filters = filtersOf(body.filterGroups)
      if (filters === undefined)
        return c.json(error('only EQ filters are supported in the sandbox', 'VALIDATION_ERROR'), 400)
      const found = c.var.portal.contacts.filter(
        (contact) =>
          (query === '' ||
            ['email', 'firstname', 'lastname'].some((name) =>
              (contact.properties[name] ?? '').toLowerCase().includes(query),
            )) &&
          (filters.length === 0 ||
            filters.some((group) => group.every((filter) => contact.properties[filter.propertyName] === filter.value))),
      )
      const paged = pageOf(found, limit, body.after)
      if (paged === undefined) return c.json(error('after must be a number', 'VALIDATION_ERROR'), 400)
      return c.json({ total: found.length, ...paged })
    })
    .get('/crm/v3/objects/contacts', (c) => {
      const limit = pageSize(c.req.query('limit'), 10, 100)
      if (limit === undefined) return c.json(error('limit must be from 1 to 100', 'VALIDATION_ERROR'), 400)
      const paged = pageOf(c.var.portal.contacts, limit, c.req.query('after'))
      if (paged === undefined) return c.json(error('after must be a number', 'VALIDATION_ERROR'), 400)
      return c.json(paged)
    })
    .post('/crm/v3/objects/contacts', async (c) => {
      const properties = propertiesOf(await jsonObject(c))
      if (properties === undefined)
        return c.json(error('properties must be an object of strings', 'VALIDATION_ERROR'), 400)
      const existing = c.var.portal.contacts.find(
        (contact) => properties.email !== undefined && contact.properties.email === properties.email,
      )
      if (existing !== undefined)
        return c.json(error(`Contact already exists. Existing ID: ${existing.id}`, 'CONFLICT'), 409)
      return c.json(add(c.var.portal, properties), 201)
    })
    .get('/crm/v3/objects/contacts/:id', (c) => {
      const contact = contactAt(c)
      return contact === undefined ? c.json(notFound(), 404) : c.json(contact)
    })
    .patch('/crm/v3/objects/contacts/:id', async (c) => {
      const properties = propertiesOf(await jsonObject(c))
      if (properties === undefined)
        return c.json(error('properties must be an object of strings', 'VALIDATION_ERROR'), 400)
      const contact = contactAt(c)
      if (contact === undefined) return c.json(notFound(), 404)
      contact.updatedAt = new Date().toISOString()
      Object.assign(contact.properties, properties, { lastmodifieddate: contact.updatedAt })
      return c.json(contact)
    })
    .all('*', (c) => c.json(error('Not found in the sandbox', 'OBJECT_NOT_FOUND'), 404))
}

function add(portal: Portal, properties: Record<string, string>): Contact {
  const now = new Date().toISOString()
  const id = String(portal.nextId++)
  const contact = {
    id,
    properties: { ...properties, hs_object_id: id, createdate: now, lastmodifieddate: now },
    createdAt: now,
    updatedAt: now,
    archived: false,
  }
  portal.contacts.push(contact)
  return contact
}

/** A page from offset `after` (HubSpot's cursors are opaque; the sandbox's are offsets, as HubSpot's often are). */
function pageOf(all: readonly Contact[], limit: number, after: unknown) {
  const start = after === undefined || after === '' ? 0 : Number(after)
  if (!Number.isInteger(start) || start < 0) return undefined
  const end = start + limit
  return {
    results: all.slice(start, end),
    ...(end < all.length ? { paging: { next: { after: String(end) } } } : {}),
  }
}

function pageSize(value: unknown, fallback: number, most: number): number | undefined {
  const size = value === undefined || value === '' ? fallback : Number(value)
  return Number.isInteger(size) && size >= 1 && size <= most ? size : undefined
}

function filtersOf(groups: unknown): { propertyName: string; value: string }[][] | undefined {
  if (groups === undefined) return []
  if (!Array.isArray(groups)) return undefined
  const result: { propertyName: string; value: string }[][] = []
  for (const group of groups as { filters?: unknown }[]) {
    if (!Array.isArray(group?.filters)) return undefined
    const filters: { propertyName: string; value: string }[] = []
    for (const filter of group.filters as Record<string, unknown>[]) {
      if (filter?.operator !== 'EQ' || typeof filter.propertyName !== 'string' || typeof filter.value !== 'string')
        return undefined
      filters.push({ propertyName: filter.propertyName, value: filter.value })
    }
    result.push(filters)
  }
  return result
}

function propertiesOf(body: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const properties = body?.properties
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return undefined
  const entries = Object.entries(properties)
  return entries.every(([, value]) => typeof value === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined
}

async function jsonObject(c: Context): Promise<Record<string, unknown> | undefined> {
  const body: unknown = await c.req.json().catch(() => undefined)
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined
}

const error = (message: string, category: string) => ({
  status: 'error',
  message,
  category,
  correlationId: crypto.randomUUID(),
})

const notFound = () => error('Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND')
