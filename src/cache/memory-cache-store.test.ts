/** The memory store: least recently used entries go first once the bytes pass the bound; large entries never stay. */
import { describe, expect, it } from 'vitest'
import { entryBytes } from './cache-store.js'
import type { CachedResponse } from './cached-response.js'
import { createMemoryCacheStore } from './memory-cache-store.js'

const entry = (size: number): CachedResponse => ({
  status: 200,
  headers: { etag: '"x"' },
  body: new Uint8Array(size),
  storedAt: 0,
  initialAgeSeconds: 0,
  freshnessMs: 60_000,
  vary: [],
})

describe('memory cache store', () => {
  it('evicts the least recently used entries by bytes, never more than the bound', async () => {
    const one = entryBytes(entry(1_000))
    const store = createMemoryCacheStore({ maxBytes: one * 3, maxEntryBytes: 10_000 })
    store.set('a', entry(1_000), 60_000)
    store.set('b', entry(1_000), 60_000)
    store.set('c', entry(1_000), 60_000)
    expect(store.size).toBe(3)
    // `a` is read, so `b` is now the least recently used.
    expect(await store.get('a')).toBeDefined()
    store.set('d', entry(1_000), 60_000)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toBeDefined()
    expect(await store.get('c')).toBeDefined()
    expect(await store.get('d')).toBeDefined()
    expect(store.bytes).toBe(one * 3)
    // A larger entry makes room for itself by as many as it takes.
    store.set('big', entry(2_500), 60_000)
    expect(store.bytes).toBeLessThanOrEqual(one * 3)
    expect(await store.get('big')).toBeDefined()
    expect(store.size).toBe(1)
  })

  it('never keeps an entry over maxEntryBytes, and a replaced key counts once', async () => {
    const store = createMemoryCacheStore({ maxBytes: 1_000_000, maxEntryBytes: 1_000 })
    store.set('a', entry(1_001), 60_000)
    expect(await store.get('a')).toBeUndefined()
    expect(store.bytes).toBe(0)
    store.set('a', entry(500), 60_000)
    store.set('a', entry(600), 60_000)
    expect(store.bytes).toBe(entryBytes(entry(600)))
    store.delete('a')
    expect(store.bytes).toBe(0)
  })

  it('drops an entry past its time when it is read', async () => {
    let now = 1_000
    const store = createMemoryCacheStore({ maxBytes: 1_000_000, maxEntryBytes: 1_000 }, () => now)
    store.set('a', entry(10), 5_000)
    now += 4_999
    expect(await store.get('a')).toBeDefined()
    now += 1
    expect(await store.get('a')).toBeUndefined()
    expect(store.size).toBe(0)
  })
})
