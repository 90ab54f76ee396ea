/**
 * @module The hub's own API keys: create (the key is returned once), list, revoke, and verify with a short cache so
 * that the hot path does not query the database on every request, and so that a key verified lately keeps working
 * while the database is away (for a bounded time).
 */
import type { Kysely } from 'kysely'
import { JunctionError } from '../core/errors.js'
import { isRowId, newRowId } from '../core/ids.js'
import {
  type ApiKeyRow,
  countActiveApiKeys,
  findActiveApiKeyByHash,
  insertApiKey,
  listActiveApiKeys,
  revokeApiKey,
  touchApiKeyLastUsed,
} from '../storage/api-keys-store.js'
import type { Page } from '../storage/cursor.js'
import { isDatabaseUnavailable } from '../storage/database-errors.js'
import type { Schema } from '../storage/schema.js'
import { displayPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from './key-format.js'
import { type ApiKeyScope, apiKeyScopes, defaultApiKeyScope, isApiKeyScope } from './key-scope.js'

/** A key as listed: never the key itself. */
export interface ApiKeyInfo {
  id: string
  name: string
  /** What the key may call: `admin` (everything), `read` or `metrics`. */
  scope: ApiKeyScope
  prefix: string
  createdAt: string
  lastUsedAt: string | null
}

export interface ApiKeysOptions {
  /**
   * How long a verified key is trusted without asking the database again. A key revoked on another instance stops
   * working within this time; on this instance at once.
   * @default 60_000
   */
  cacheTtlMs?: number
  /**
   * How much longer a key verified lately is still accepted while the database does not answer (then a key cannot
   * be re-checked, nor its revocation seen). The hub sets it to the credential cache's outage grace, so that calls
   * whose credentials it holds keep going for as long as those do.
   * @default 300_000
   */
  outageGraceMs?: number
  /** @default 10_000 */
  cacheEntries?: number
  /** Called when recording a key's last use fails (it never fails the request). */
  onBackgroundError?: (error: unknown) => void
}

export interface ApiKeys {
  /** A new key (returned this once only); `scope` defaults to `admin`. */
  create(name: string, scope?: ApiKeyScope): Promise<{ key: string; info: ApiKeyInfo }>
  list(options: { limit: number; cursor?: string | undefined }): Promise<Page<ApiKeyInfo>>
  /** Every active key, page after page (the CLI's list, the dashboard). */
  listAll(): Promise<ApiKeyInfo[]>
  /** Revokes a key; `not_found` when no key has that id. */
  revoke(id: string): Promise<void>
  /** The key's info when it is valid, else undefined: one answer for missing, malformed, unknown and revoked. */
  verify(presented: string): Promise<ApiKeyInfo | undefined>
  countActive(): Promise<number>
}

const maxNameLength = 100

export function createApiKeys(db: Kysely<Schema>, options: ApiKeysOptions = {}): ApiKeys {
  const ttlMs = options.cacheTtlMs ?? 60_000
  const graceMs = options.outageGraceMs ?? 300_000
  const maxEntries = options.cacheEntries ?? 10_000
  /** `freshUntil`: accepted without asking the database; `servesUntil`: accepted while the database is away. */
  const cache = new Map<string, { info: ApiKeyInfo; freshUntil: number; servesUntil: number }>()
  // Bumped by every revocation, so that a lookup that started before one never caches what it read.
  let revocations = 0

  return {
    async create(name, scope = defaultApiKeyScope) {
      const trimmed = name.trim()
      if (trimmed.length === 0 || trimmed.length > maxNameLength || /\p{Cc}/u.test(trimmed)) {
        throw new JunctionError('invalid_request', `a key name is 1 to ${maxNameLength} printable characters`)
      }
      // Typed callers cannot get this wrong; the library's JavaScript callers and form fields can.
      if (!isApiKeyScope(scope))
        throw new JunctionError('invalid_request', `a key's scope is one of ${apiKeyScopes.join(', ')}`)
      const key = generateApiKey()
      const row = await insertApiKey(db, {
        id: newRowId(),
        name: trimmed,
        prefix: displayPrefix(key),
        hash: hashApiKey(key),
        scope,
      })
      return { key, info: toInfo(row) }
    },

    async list({ limit, cursor }) {
      const page = await listActiveApiKeys(db, { limit, cursor })
      return { data: page.data.map(toInfo), nextCursor: page.nextCursor }
    },

    async listAll() {
      const all: ApiKeyInfo[] = []
      let cursor: string | undefined
      do {
        const page = await listActiveApiKeys(db, { limit: 500, cursor })
        all.push(...page.data.map(toInfo))
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      return all
    },

    async revoke(id) {
      if (!isRowId(id)) throw new JunctionError('invalid_request', 'an API key id is a UUID')
      if (!(await revokeApiKey(db, id))) throw new JunctionError('not_found', 'no API key has that id')
      revocations++
      for (const [hash, entry] of cache) if (entry.info.id === id) cache.delete(hash)
    },

    async verify(presented) {
      if (!isWellFormedApiKey(presented)) return undefined
      const hash = hashApiKey(presented)
      const cached = cache.get(hash)
      const now = Date.now()
      if (cached !== undefined && cached.freshUntil > now) return cached.info
      const revocationsBefore = revocations
      let row: ApiKeyRow | undefined
      try {
        row = await findActiveApiKeyByHash(db, hash)
      } catch (error) {
        // Only the database being away extends trust, and only for a key that was valid lately: a database that
        // answers decides, so a revocation on another instance is seen within cacheTtlMs.
        if (cached !== undefined && cached.servesUntil > Date.now() && isDatabaseUnavailable(error)) return cached.info
        throw error
      }
      cache.delete(hash)
      if (row === undefined) return undefined
      const info = toInfo(row)
      if (revocationsBefore !== revocations)
        return (await findActiveApiKeyByHash(db, hash)) === undefined ? undefined : info
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string)
      cache.set(hash, { info, freshUntil: now + ttlMs, servesUntil: now + ttlMs + graceMs })
      // Recorded once per cache period, off the request's path.
      touchApiKeyLastUsed(db, row.id, new Date(now)).catch((error: unknown) => options.onBackgroundError?.(error))
      return info
    },

    countActive: () => countActiveApiKeys(db),
  }
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  }
}
