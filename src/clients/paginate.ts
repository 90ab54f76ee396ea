/**
 * @module `junction.paginate()`: the items of every page of a list, fetched one page at a time as they are read, driven
 * by the provider's pagination data (a cursor named in each page's body, or the `Link` header's next URL). Typed
 * clients mark their list methods with where the items are; a raw `junction.fetch` path names them itself.
 * @see docs/library.md, "Pagination"
 */
import { JunctionError } from '../core/errors.js'
import type { Pagination } from '../providers/definition.js'
import { type BoundFetch, readJsonResponse } from './client-request.js'

export type CursorPagination = Extract<Pagination, { style: 'cursor' }>

const pageReader = Symbol('junction.pageReader')
/** Carries the item type of a list method, for the compiler only. */
declare const itemType: unique symbol

/** How one list method's pages go on: its provider's cursor, and where this method's items are. */
interface PageReader {
  pagination: CursorPagination
  items: string
}

/** A typed client's list method: `junction.paginate(method, args)` reads every page of it. */
export type PaginatedMethod<Args, Page, Item> = ((args: Args) => Promise<Page>) & {
  readonly [pageReader]: PageReader
  readonly [itemType]?: Item
}

/** A built-in provider's cursor pagination, the default of its typed client. */
export function cursorPaginationOf(provider: {
  name: string
  definition: { pagination?: Pagination | undefined }
}): CursorPagination {
  const { pagination } = provider.definition
  if (pagination?.style !== 'cursor') throw new Error(`the ${provider.name} provider has no cursor pagination`)
  return pagination
}

/** Marks `call` as a list whose items are at `items` and whose pages go on by `pagination`. */
export function paginated<Args, Page, Item>(
  call: (args: Args) => Promise<Page>,
  pagination: CursorPagination,
  items: string,
): PaginatedMethod<Args, Page, Item> {
  return Object.assign((args: Args) => call(args), { [pageReader]: { pagination, items } })
}

/** Every item of every page of a typed client's list method, starting from `args` (and its cursor, if it has one). */
export async function* paginateMethod<Args, Item>(
  method: PaginatedMethod<Args, unknown, Item>,
  args: Args,
): AsyncGenerator<Item, void, undefined> {
  const reader = (method as Partial<PaginatedMethod<Args, unknown, Item>>)[pageReader]
  if (reader === undefined) {
    throw new JunctionError(
      'invalid_request',
      'junction.paginate() takes a list method of a typed client (slack.conversations.list, hubspot.contacts.search) or an integration, a user and a path',
    )
  }
  const { pagination, items } = reader
  const given = (args as Record<string, unknown> | undefined)?.[pagination.cursorParam]
  const pages = walkPages(typeof given === 'string' && given !== '' ? given : undefined, async (cursor) => {
    const page = await method((cursor === undefined ? args : { ...args, [pagination.cursorParam]: cursor }) as Args)
    return { page, next: cursorIn(page, pagination.nextCursor) }
  })
  for await (const page of pages) yield* itemsOf(page, items, 'this list') as Item[]
}

/** A raw call's options: `junction.fetch`'s, and where a page's items are (else the provider's, else the page itself). */
export interface PaginateInit extends RequestInit {
  /** A dotted path into each page's JSON body, e.g. `channels` or `data.items`. */
  items?: string | undefined
}

export interface RawPaginateDeps {
  integration: string
  /** `junction.fetch` bound to the integration and user. */
  fetch: BoundFetch
  /** The same for an absolute URL under the API base URL (a `Link` header's next page). */
  fetchUrl(url: string, init: RequestInit): Promise<Response>
  pagination: Pagination | undefined
}

/** Every item of every page of a raw `junction.fetch` call, its pages going on by the provider's pagination. */
export async function* paginateFetch(
  deps: RawPaginateDeps,
  path: string,
  init: PaginateInit = {},
): AsyncGenerator<unknown, void, undefined> {
  const { items: itemsPath, ...request } = init
  const { pagination } = deps
  if (pagination === undefined) {
    throw new JunctionError(
      'invalid_request',
      `the provider of ${deps.integration} names no pagination: add "pagination" to its provider definition`,
    )
  }
  const items = itemsPath ?? pagination.items
  const method = (request.method ?? 'GET').toUpperCase()
  const read = async (response: Response, at: string) => {
    const page = await readJsonResponse<unknown>(response, method, at)
    const next =
      pagination.style === 'cursor'
        ? cursorIn(page, pagination.nextCursor)
        : nextLink(response.headers.get('link') ?? undefined)
    return { page, next }
  }
  const pages = walkPages(undefined, async (cursor) => {
    if (cursor === undefined) return read(await deps.fetch(path, request), path)
    if (pagination.style === 'link') return read(await deps.fetchUrl(cursor, request), cursor)
    const next = withCursor(path, request, pagination.cursorParam, cursor)
    return read(await deps.fetch(next.path, next.init), next.path)
  })
  for await (const page of pages) yield* itemsOf(page, items, path)
}

/**
 * Pages one after another, each loaded only when the one before has been read, until a page names no next. A cursor
 * named twice ends with an error rather than a loop that never ends.
 */
async function* walkPages<Page>(
  first: string | undefined,
  load: (cursor: string | undefined) => Promise<{ page: Page; next: string | undefined }>,
): AsyncGenerator<Page, void, undefined> {
  const seen = new Set<string>()
  let cursor = first
  for (;;) {
    const { page, next } = await load(cursor)
    yield page
    if (next === undefined) return
    if (seen.has(next)) throw new JunctionError('provider_error', 'the provider named the same next page twice')
    seen.add(next)
    cursor = next
  }
}

/** The next page's cursor: a non-empty string (Slack ends a list with '', Google and HubSpot leave it out). */
function cursorIn(page: unknown, path: string): string | undefined {
  const value = valueAt(page, path)
  if (typeof value === 'number') return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

function itemsOf(page: unknown, path: string | undefined, what: string): unknown[] {
  const value = path === undefined ? page : valueAt(page, path)
  if (Array.isArray(value)) return value
  throw new JunctionError(
    path === undefined ? 'invalid_request' : 'provider_error',
    path === undefined
      ? `say where the items of ${what} are, e.g. junction.paginate(integration, userId, path, { items: 'data' })`
      : `a page of ${what} has no list at ${path}`,
  )
}

function valueAt(value: unknown, path: string): unknown {
  let current = value
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** The request for the next page: the cursor in a JSON body's field when the call sends one, else in the query. */
function withCursor(
  path: string,
  init: RequestInit,
  param: string,
  cursor: string,
): { path: string; init: RequestInit } {
  const json = jsonObjectBody(init)
  if (json !== undefined) return { path, init: { ...init, body: JSON.stringify({ ...json, [param]: cursor }) } }
  const [pathname = '', query = ''] = splitQuery(path)
  const params = new URLSearchParams(query)
  params.set(param, cursor)
  return { path: `${pathname}?${params}`, init }
}

function splitQuery(path: string): [string, string] {
  const at = path.indexOf('?')
  return at === -1 ? [path, ''] : [path.slice(0, at), path.slice(at + 1)]
}

function jsonObjectBody(init: RequestInit): Record<string, unknown> | undefined {
  if (typeof init.body !== 'string') return undefined
  const type = new Headers(init.headers).get('content-type') ?? ''
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) return undefined
  try {
    const parsed: unknown = JSON.parse(init.body)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The URL of a `Link` header's `rel="next"` member, if any. @see RFC 8288 §3 */
export function nextLink(header: string | undefined): string | undefined {
  for (const member of (header ?? '').matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = member[2] ?? ''
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params)
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/)
    if (relations.includes('next') && member[1] !== undefined && member[1] !== '') return member[1]
  }
  return undefined
}
