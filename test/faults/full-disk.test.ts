/**
 * The embedded database on a data dir whose disk fills up: reads keep serving, writes answer 503 `unavailable` (not
 * 500), `/health` says `disk_full`, and all is well again once there is room. The disk is a small tmpfs mounted for
 * the test, which needs root (CI runs as root; elsewhere the suite is skipped unless services are required).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/storage/database.js'
import type { TestDatabase } from '../helpers/backends.js'
import { type ConnectionHarness, openConnectionHarness } from '../helpers/connection-harness.js'

const isRoot = process.getuid?.() === 0
const required = process.env.JUNCTION_TEST_REQUIRE_SERVICES === '1'

describe.runIf(isRoot)('the embedded database on a full disk', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'junction-full-disk-'))
  const filler = join(mountPoint, 'filler')
  let h: ConnectionHarness
  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', mountPoint])
    h = await openConnectionHarness({
      name: 'pglite',
      open: async (): Promise<TestDatabase> => ({
        ...(await openDatabase({ backend: 'pglite', dataDir: join(mountPoint, 'data') })),
        url: undefined,
      }),
    })
  })
  afterAll(async () => {
    await h?.close()
    execFileSync('umount', [mountPoint])
    rmSync(mountPoint, { recursive: true, force: true })
  })

  const importKeyed = (userId: string) =>
    h.call('/v1/connections', {
      method: 'POST',
      body: JSON.stringify({
        integration: 'keyed',
        userId,
        credentials: { apiKey: `key-of-${userId}-${'k'.repeat(4_000)}` },
      }),
    })

  it('answers writes 503 and /health disk_full while there is no room, keeps reading, and recovers', async () => {
    expect((await importKeyed('u_before')).status).toBe(201)
    expect((await h.app.request('/health')).status).toBe(200)

    fillDisk(filler)
    try {
      // Pages may still have room for a few rows: write until the database has to grow and cannot.
      let refused: Response | undefined
      for (let n = 0; n < 2_000 && refused === undefined; n++) {
        const answer = await importKeyed(`u_full_${n}`)
        if (answer.status === 201) continue
        refused = answer
      }
      expect(refused?.status).toBe(503)
      expect(refused?.headers.get('junction-error')).toBe('unavailable')
      expect(await refused?.json()).toMatchObject({
        error: {
          code: 'unavailable',
          message: 'the database cannot store anything: its disk is full or it is read-only',
        },
      })
      const health = await h.app.request('/health')
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ status: 'unavailable', database: 'disk_full' })
      // What needs no room keeps serving.
      expect((await h.call('/v1/connections/keyed/u_before')).status).toBe(200)
    } finally {
      rmSync(filler, { force: true })
    }

    expect((await importKeyed('u_after')).status).toBe(201)
    const health = await h.app.request('/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok' })
  })
})

describe.runIf(!isRoot && required)('the embedded database on a full disk', () => {
  it('needs root to mount a small tmpfs', () => {
    expect.fail('run the suite as root (as CI does) so that this test can mount a tmpfs')
  })
})

/** Writes a file until the disk has no room left. */
function fillDisk(path: string): void {
  const chunk = Buffer.alloc(1024 * 1024)
  let written = 0
  try {
    for (;;) {
      writeFileSync(path, chunk, { flag: written === 0 ? 'w' : 'a' })
      written++
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  }
  // The last chunk may have been cut short: fill what is left in smaller pieces.
  for (const size of [65_536, 4_096, 512, 1]) {
    try {
      for (;;) writeFileSync(path, Buffer.alloc(size), { flag: 'a' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    }
  }
}
